// The dual-token server as a popular Express tutorial writes it (Express 5 + jsonwebtoken):
//   - one secret for access tokens, another for refresh tokens, and no type claim: the kinds
//     are told apart only by the key that verifies them;
//   - refresh tokens are kept in a server-side list and looked up as exact strings;
//   - 401 when no token is sent, 403 when the token is bad; the user lookup answers 404 for a
//     user that no longer exists;
//   - POST /token does not rotate; DELETE /logout forgets the refresh token, while access tokens
//     live out their 15 minutes; everything is in memory (a restart forgets it).
// A test target for the dualtoken suite: keys come from the environment, never deploy this.
"use strict";

const express = require("express");
const jwt = require("jsonwebtoken");

const ACCESS_TOKEN_SECRET = process.env.ACCESS_TOKEN_SECRET;
const REFRESH_TOKEN_SECRET = process.env.REFRESH_TOKEN_SECRET;
const PORT = Number(process.env.PORT || 4000);
if (!ACCESS_TOKEN_SECRET || !REFRESH_TOKEN_SECRET) {
  console.error("set ACCESS_TOKEN_SECRET and REFRESH_TOKEN_SECRET");
  process.exit(1);
}

const users = new Map([
  ["kyle", { name: "kyle", password: "kyle-password-1", posts: ["Post 1"] }],
  ["jim", { name: "jim", password: "jim-password-2", posts: ["Post 2"] }],
]);
let refreshTokens = [];

const app = express();
app.use(express.json());

function generateAccessToken(user) {
  return jwt.sign({ name: user.name }, ACCESS_TOKEN_SECRET, { expiresIn: "15m" });
}

function authenticateToken(req, res, next) {
  const authHeader = req.headers["authorization"];
  const token = authHeader && authHeader.split(" ")[1];
  if (token == null) return res.sendStatus(401);
  jwt.verify(token, ACCESS_TOKEN_SECRET, (err, user) => {
    if (err) return res.sendStatus(403);
    req.user = user;
    next();
  });
}

app.get("/health", (req, res) => res.json({ status: "ok" }));

app.post("/login", (req, res) => {
  const { username, password } = req.body ?? {};
  const user = typeof username === "string" ? users.get(username) : undefined;
  if (!user || typeof password !== "string" || password !== user.password) {
    return res.status(401).json({ message: "Invalid username or password" });
  }
  const accessToken = generateAccessToken(user);
  const refreshToken = jwt.sign({ name: user.name }, REFRESH_TOKEN_SECRET);
  refreshTokens.push(refreshToken);
  res.json({ accessToken, refreshToken });
});

app.post("/token", (req, res) => {
  const refreshToken = (req.body ?? {}).token;
  if (refreshToken == null) return res.sendStatus(401);
  if (!refreshTokens.includes(refreshToken)) return res.sendStatus(403);
  jwt.verify(refreshToken, REFRESH_TOKEN_SECRET, (err, user) => {
    if (err) return res.sendStatus(403);
    const accessToken = generateAccessToken({ name: user.name });
    res.json({ accessToken });
  });
});

app.delete("/logout", (req, res) => {
  refreshTokens = refreshTokens.filter((token) => token !== (req.body ?? {}).token);
  res.sendStatus(204);
});

app.get("/posts", authenticateToken, (req, res) => {
  const user = users.get(req.user.name);
  if (!user) return res.status(404).json({ message: "User not found" });
  res.json(user.posts);
});

// Express's default handler would answer a malformed JSON body with an HTML page.
app.use((err, req, res, next) => {
  res.status(err.status && err.status < 500 ? err.status : 500).json({ message: err.message });
});

app.listen(PORT, "127.0.0.1", () => console.log(`listening on 127.0.0.1:${PORT}`));
