// A plain node:http API on jose (panva/jose 6), the way its docs' SignJWT / jwtVerify examples
// add up to a dual-token server:
//   - EdDSA (Ed25519) keys read from PEM files with importPKCS8 / importSPKI, `kid` in the header;
//   - the access token typed the RFC 9068 way (`typ: "at+jwt"`), the refresh token
//     `typ: "refresh+jwt"`, both with iss, aud, sub, jti, iat, exp; jwtVerify checks alg, typ,
//     iss and aud;
//   - refresh tokens travel in the JSON body and are one-time: each jti is remembered and
//     dropped when used, and the answer carries a new pair (rotation, but a reused token is
//     only refused: the rest of its family lives on);
//   - 401 when no token is sent, 403 for a bad or expired one, with a `detail` body (the habit
//     of FastAPI-minded teams); POST /logout forgets the refresh token it is given.
// A test target for the dualtoken suite: the key pair is a test-only file, never deploy this.
import { randomUUID, scryptSync, timingSafeEqual, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT, importPKCS8, importSPKI, jwtVerify } from "jose";

const HERE = dirname(fileURLToPath(import.meta.url));
const PORT = Number(process.env.PORT || 3000);
const ISSUER = "urn:dualtoken:jose-target";
const AUDIENCE = "urn:dualtoken:jose-target:api";
const KID = "2026-12-ed25519";
const ACCESS_TTL = "15m";
const REFRESH_TTL_SECONDS = 14 * 24 * 3600;

const privateKey = await importPKCS8(
  readFileSync(join(HERE, "test-only-ed25519-private.pem"), "utf8"),
  "EdDSA",
);
const publicKey = await importSPKI(
  readFileSync(join(HERE, "test-only-ed25519-public.pem"), "utf8"),
  "EdDSA",
);

// Cheap scrypt parameters for this test target (the default N = 16384 blocks the event loop
// ~50 ms a login and the suite logs in ~200 times; a slow login is tests/targets/slow_login/'s
// subject, not this target's).
const SCRYPT_COST = { N: 1024 };
function hashPassword(password, salt = randomBytes(16)) {
  return { salt, hash: scryptSync(password, salt, 32, SCRYPT_COST) };
}
const users = new Map(
  [
    { id: "u-1001", username: "carol", password: "carol-password-1" },
    { id: "u-1002", username: "dave", password: "dave-password-2" },
  ].map(({ id, username, password }) => [username, { id, username, ...hashPassword(password) }]),
);
const usersById = new Map([...users.values()].map((user) => [user.id, user]));
// Live refresh tokens by jti: one use each.
const refreshTokens = new Map();

async function issuePair(user) {
  const accessToken = await new SignJWT({ username: user.username })
    .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: KID })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(user.id)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(ACCESS_TTL)
    .sign(privateKey);
  const jti = randomUUID();
  const refreshToken = await new SignJWT({})
    .setProtectedHeader({ alg: "EdDSA", typ: "refresh+jwt", kid: KID })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(user.id)
    .setJti(jti)
    .setIssuedAt()
    .setExpirationTime(`${REFRESH_TTL_SECONDS}s`)
    .sign(privateKey);
  refreshTokens.set(jti, user.id);
  return { access_token: accessToken, refresh_token: refreshToken, token_type: "Bearer" };
}

function verify(token, typ) {
  return jwtVerify(token, publicKey, {
    algorithms: ["EdDSA"],
    issuer: ISSUER,
    audience: AUDIENCE,
    typ,
  });
}

function send(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
}

const routes = {
  "GET /health": async (req, res) => send(res, 200, { status: "ok" }),

  "POST /auth/login": async (req, res) => {
    const { username, password } = await readJson(req);
    const user = users.get(username);
    const ok =
      user && typeof password === "string" &&
      timingSafeEqual(hashPassword(password, user.salt).hash, user.hash);
    if (!ok) return send(res, 401, { detail: "Incorrect username or password" });
    send(res, 200, await issuePair(user));
  },

  "POST /auth/refresh": async (req, res) => {
    const { refresh_token: token } = await readJson(req);
    if (!token) return send(res, 401, { detail: "Missing refresh token" });
    let payload;
    try {
      ({ payload } = await verify(token, "refresh+jwt"));
    } catch {
      return send(res, 401, { detail: "Invalid refresh token" });
    }
    if (refreshTokens.get(payload.jti) !== payload.sub) {
      return send(res, 401, { detail: "Refresh token already used or revoked" });
    }
    refreshTokens.delete(payload.jti);
    const user = usersById.get(payload.sub);
    if (!user) return send(res, 401, { detail: "User not found" });
    send(res, 200, await issuePair(user));
  },

  "POST /auth/logout": async (req, res) => {
    const { refresh_token: token } = await readJson(req);
    try {
      const { payload } = await verify(token, "refresh+jwt");
      refreshTokens.delete(payload.jti);
    } catch {
      // Logging out with a bad token still logs out.
    }
    res.writeHead(204).end();
  },

  "GET /api/profile": async (req, res) => {
    const header = req.headers.authorization;
    if (!header) return send(res, 401, { detail: "Not authenticated" });
    const [scheme, token] = header.split(" ");
    if (scheme !== "Bearer" || !token) return send(res, 401, { detail: "Not authenticated" });
    try {
      const { payload } = await verify(token, "at+jwt");
      const user = usersById.get(payload.sub);
      if (!user) return send(res, 403, { detail: "Could not validate credentials" });
      send(res, 200, { id: user.id, username: user.username });
    } catch {
      send(res, 403, { detail: "Could not validate credentials" });
    }
  },
};

createServer(async (req, res) => {
  const route = routes[`${req.method} ${new URL(req.url, "http://x").pathname}`];
  if (!route) return send(res, 404, { detail: "Not Found" });
  try {
    await route(req, res);
  } catch (err) {
    if (err instanceof SyntaxError) return send(res, 400, { detail: "Invalid JSON" });
    console.error(err);
    send(res, 500, { detail: "Internal Server Error" });
  }
}).listen(PORT, "127.0.0.1");
