// A Fastify 5 API on @fastify/jwt, with refresh tokens the way the plugin's README shows them:
//   - the plugin registered once with an ES256 key pair ({ private, public }, sign.algorithm)
//     and `cookie: { cookieName: "refreshToken" }`; @fastify/cookie beside it;
//   - POST /login (a JSON schema on the body) signs an access token (15 min, the plugin's
//     `sign.expiresIn`) and a refresh token (`{ expiresIn: "7d" }`) with the same key and the
//     same claims, the access token in the body and the refresh token as an HttpOnly cookie,
//     as in the README's `onlyCookie` example;
//   - POST /refresh checks the cookie with `request.jwtVerify({ onlyCookie: true })` and hands out
//     a new pair (the old refresh token keeps working until it expires);
//   - protected routes use the README's `fastify.authenticate` decorator (`request.jwtVerify()`);
//   - every token gets a `jti`, and the README's `trusted` option checks it against an in-memory
//     denylist that POST /logout fills with the access token's and the refresh cookie's jti.
// Errors are the plugin's own (401 with a FST_JWT_* code) and Fastify's (400 on schema errors).
// A test target for the dualtoken suite: the keys are test-only files, never deploy this.
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const Fastify = require("fastify");

const PORT = Number(process.env.PORT || 3000);
const KEY_DIR = process.env.JWT_KEY_DIR || __dirname;
const REFRESH_MAX_AGE = 7 * 24 * 3600;

// The users "table": scrypt hashes, as a team without a database would start.
// Cheap scrypt parameters for this test target (the default N = 16384 blocks the event loop
// ~50 ms a login and the suite logs in ~200 times; a slow login is tests/targets/slow_login/'s
// subject, not this target's).
const SCRYPT_COST = { N: 1024 };
function hashPassword(password, salt = crypto.randomBytes(16)) {
  return { salt, hash: crypto.scryptSync(password, salt, 32, SCRYPT_COST) };
}
const users = new Map(
  [
    { id: 1, username: "alice", password: "alice-password-1" },
    { id: 2, username: "bob", password: "bob-password-2" },
  ].map(({ id, username, password }) => [username, { id, username, ...hashPassword(password) }]),
);

// Revoked token ids; the README's `trusted` example checks a denylist like this one.
const denylist = new Set();

const fastify = Fastify({ logger: false });

fastify.register(require("@fastify/jwt"), {
  secret: {
    private: fs.readFileSync(path.join(KEY_DIR, "test-only-es256-private.pem")),
    public: fs.readFileSync(path.join(KEY_DIR, "test-only-es256-public.pem")),
  },
  sign: { algorithm: "ES256", expiresIn: "15m" },
  cookie: { cookieName: "refreshToken", signed: false },
  trusted: async (request, decodedToken) => !denylist.has(decodedToken.jti),
});
fastify.register(require("@fastify/cookie"));

fastify.decorate("authenticate", async function (request, reply) {
  try {
    await request.jwtVerify();
  } catch (err) {
    reply.send(err);
  }
});

async function issueTokens(reply, user) {
  const claims = { sub: String(user.id), username: user.username };
  const token = await reply.jwtSign({ ...claims, jti: crypto.randomUUID() });
  const refreshToken = await reply.jwtSign(
    { ...claims, jti: crypto.randomUUID() },
    { expiresIn: "7d" },
  );
  reply.setCookie("refreshToken", refreshToken, {
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: true,
    maxAge: REFRESH_MAX_AGE,
  });
  return { token };
}

fastify.get("/health", async () => ({ status: "ok" }));

fastify.post(
  "/login",
  {
    schema: {
      body: {
        type: "object",
        required: ["username", "password"],
        properties: { username: { type: "string" }, password: { type: "string" } },
      },
    },
  },
  async (request, reply) => {
    const { username, password } = request.body;
    const user = users.get(username);
    const given = user && hashPassword(password, user.salt).hash;
    if (!user || !crypto.timingSafeEqual(given, user.hash)) {
      return reply.code(401).send({ message: "Invalid username or password" });
    }
    return issueTokens(reply, user);
  },
);

fastify.post("/refresh", async (request, reply) => {
  const payload = await request.jwtVerify({ onlyCookie: true });
  const user = users.get(payload.username);
  if (!user) {
    return reply.code(401).send({ message: "Unknown user" });
  }
  return issueTokens(reply, user);
});

fastify.post("/logout", { onRequest: [fastify.authenticate] }, async (request, reply) => {
  denylist.add(request.user.jti);
  const refreshToken = request.cookies.refreshToken;
  if (refreshToken) {
    const decoded = fastify.jwt.decode(refreshToken);
    if (decoded && decoded.jti) denylist.add(decoded.jti);
  }
  reply.clearCookie("refreshToken", { path: "/" });
  return { message: "Logged out" };
});

fastify.get("/me", { onRequest: [fastify.authenticate] }, async (request) => request.user);

fastify.listen({ port: PORT, host: "127.0.0.1" }, (err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
});
