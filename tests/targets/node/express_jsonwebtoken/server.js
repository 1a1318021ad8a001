// A minimal Express 5 API with jsonwebtoken 9, written from those libraries' own documentation:
//   - Express's express.json() body parser, routing and error-handler pages;
//   - jsonwebtoken's README: jwt.sign(payload, secret, { expiresIn, subject, jwtid }) and
//     jwt.verify(token, secret, { algorithms: ["HS256"] }), as the README advises (pin the
//     algorithm), with its TokenExpiredError / JsonWebTokenError / NotBeforeError all answered 401.
// Access and refresh tokens share the key and carry a "type" claim and a "sid" (the login they
// belong to); POST /refresh takes {"refreshToken": ...} and answers a new access token only;
// POST /logout (Bearer access token) revokes the whole login, so every access token minted by
// its refreshes dies with it. Users and revoked logins live in memory. The app's own parts (the
// Authorization header, the session) are written carefully, so that what the suite finds is
// what the libraries do.
// The secret comes from JWT_SECRET; a test target for the dualtoken suite, never deploy this.
"use strict";

const crypto = require("node:crypto");
const express = require("express");
const jwt = require("jsonwebtoken");

const SECRET = process.env.JWT_SECRET || "";
const PORT = Number(process.env.PORT || 3000);
if (Buffer.byteLength(SECRET) < 32) {
  console.error("set JWT_SECRET to a secret of at least 32 bytes");
  process.exit(1);
}

const users = new Map([["user1", { username: "user1", password: "password123" }]]);
const revokedSessions = new Set();

function sign(username, type, sid, expiresIn) {
  return jwt.sign({ type, sid }, SECRET, {
    algorithm: "HS256",
    expiresIn,
    subject: username,
    jwtid: crypto.randomUUID(),
  });
}

// The payload of a valid, unrevoked token of this type for a user that exists, or null.
function verified(token, type) {
  let payload;
  try {
    payload = jwt.verify(token, SECRET, { algorithms: ["HS256"] });
  } catch {
    return null;
  }
  if (payload.type !== type || typeof payload.jti !== "string" || typeof payload.sid !== "string") {
    return null;
  }
  if (revokedSessions.has(payload.sid)) return null;
  return users.has(payload.sub) ? payload : null;
}

// RFC 6750 §2.1: "Bearer" (any case), one space, one token.
function bearer(req) {
  const match = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(req.get("authorization") || "");
  return match ? match[1] : null;
}

function authenticate(req, res, next) {
  const payload = verified(bearer(req), "access");
  if (!payload) return res.status(401).json({ error: "invalid or missing access token" });
  req.auth = payload;
  next();
}

const app = express();
app.use(express.json());

app.get("/public", (req, res) => res.json({ message: "public" }));

app.post("/login", (req, res) => {
  const { username, password } = req.body ?? {};
  const user = typeof username === "string" ? users.get(username) : undefined;
  if (!user || typeof password !== "string" || password !== user.password) {
    return res.status(401).json({ error: "invalid username or password" });
  }
  const sid = crypto.randomUUID();
  res.json({
    accessToken: sign(user.username, "access", sid, "15m"),
    refreshToken: sign(user.username, "refresh", sid, "7d"),
  });
});

app.post("/refresh", (req, res) => {
  const token = (req.body ?? {}).refreshToken;
  const payload = typeof token === "string" ? verified(token, "refresh") : null;
  if (!payload) return res.status(401).json({ error: "invalid refresh token" });
  res.json({ accessToken: sign(payload.sub, "access", payload.sid, "15m") });
});

app.post("/logout", authenticate, (req, res) => {
  revokedSessions.add(req.auth.sid);
  res.status(204).end();
});

app.get("/protected", authenticate, (req, res) => res.json({ username: req.auth.sub }));

// Express's documented error handler: a body express.json() cannot parse is the client's error.
app.use((err, req, res, next) => {
  if (res.headersSent) return next(err);
  const status = Number.isInteger(err.status) && err.status >= 400 && err.status < 500 ? err.status : 500;
  res.status(status).json({ error: status === 500 ? "internal error" : err.type || "bad request" });
});

app.listen(PORT, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${PORT}`));
