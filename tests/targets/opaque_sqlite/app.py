"""A server that keeps opaque refresh tokens in SQLite, the way many teams build it.

- Access tokens are JWTs (HS256) typed the RFC 9068 way: header `typ: at+jwt`, claims `sub`,
  `iat`, `exp` (15 min), `jti`. Refresh tokens are random strings (not JWTs); the database keeps
  their SHA-256, owner, expiry, session family and whether they were used or revoked.
- Refresh rotates: each refresh token works once and hands out a successor; presenting a used
  one revokes the whole family (reuse detection, RFC 9700 §4.14.2).
- Logout revokes the caller's access token (its `jti`, kept in the database) and the refresh
  family of the refresh token it is given.
- Everything lives in one SQLite file, so revocations and rotation survive a restart.
- A test clock (`GET/POST /__test__/clock`, offset kept in the database) and user switches
  (`POST /__test__/users/{name}/disable|enable`) let the suite move time and disable users.
- No rate limit on refresh: its profile declares that absence.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

SECRET = "opaque-sqlite-access-secret/test-target-only-0123456789"
ACCESS_LIFETIME = 900
REFRESH_LIFETIME = 14 * 86_400
ACCESS_TYP = ("at+jwt", "application/at+jwt")  # RFC 9068 §4: either spelling, any case
USERS = {"user1": "password123", "user2": "password456"}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS refresh_tokens (
    digest TEXT PRIMARY KEY, username TEXT NOT NULL, family TEXT NOT NULL,
    expires REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS revoked_access (jti TEXT PRIMARY KEY, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS disabled_users (username TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1), offset REAL NOT NULL);
"""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Store:
    """The SQLite file; one connection, used from the event loop only (no concurrent writers)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.executescript(SCHEMA)

    def now(self) -> float:
        row = self.db.execute("SELECT offset FROM clock WHERE id = 1").fetchone()
        return time.time() + (row[0] if row else 0.0)

    def advance(self, seconds: float) -> None:
        offset = self.now() - time.time() + seconds
        self.db.execute("INSERT OR REPLACE INTO clock (id, offset) VALUES (1, ?)", (offset,))

    def disabled(self, username: str) -> bool:
        query = "SELECT 1 FROM disabled_users WHERE username = ?"
        return self.db.execute(query, (username,)).fetchone() is not None

    def issue(self, username: str, family: str | None = None) -> dict[str, Any]:
        now = self.now()
        family = family or uuid.uuid4().hex
        access = jwt.encode(
            {
                "sub": username,
                "sid": family,
                "iat": int(now),
                "exp": int(now) + ACCESS_LIFETIME,
                "jti": uuid.uuid4().hex,
            },
            SECRET,
            algorithm="HS256",
            headers={"typ": "at+jwt"},
        )
        refresh = secrets.token_urlsafe(32)
        self.db.execute(
            "INSERT INTO refresh_tokens (digest, username, family, expires) VALUES (?, ?, ?, ?)",
            (_digest(refresh), username, family, now + REFRESH_LIFETIME),
        )
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": ACCESS_LIFETIME,
        }

    def rotate(self, refresh: str) -> dict[str, Any] | None:
        """A successor for a live refresh token; None (and the family revoked on reuse)."""
        row = self.db.execute(
            "SELECT username, family, expires, used, revoked FROM refresh_tokens WHERE digest = ?",
            (_digest(refresh),),
        ).fetchone()
        if row is None:
            return None
        username, family, expires, used, revoked = row
        if used:
            self.revoke_family(family)
            return None
        if revoked or expires <= self.now() or self.disabled(username):
            return None
        self.db.execute("UPDATE refresh_tokens SET used = 1 WHERE digest = ?", (_digest(refresh),))
        return self.issue(username, family)

    def revoke_family(self, family: str) -> None:
        self.db.execute("UPDATE refresh_tokens SET revoked = 1 WHERE family = ?", (family,))

    def revoke(self, refresh: str, username: str) -> None:
        row = self.db.execute(
            "SELECT family FROM refresh_tokens WHERE digest = ? AND username = ?",
            (_digest(refresh), username),
        ).fetchone()
        if row is not None:
            self.revoke_family(row[0])

    def revoke_access(self, jti: str, expires: float) -> None:
        self.db.execute("INSERT OR IGNORE INTO revoked_access VALUES (?, ?)", (jti, expires))

    def access_revoked(self, jti: str, family: str) -> bool:
        """The token itself was revoked, or its session (family) was, by logout or reuse."""
        query = "SELECT 1 FROM revoked_access WHERE jti = ?"
        if self.db.execute(query, (jti,)).fetchone() is not None:
            return True
        query = "SELECT 1 FROM refresh_tokens WHERE family = ? AND revoked = 1"
        return self.db.execute(query, (family,)).fetchone() is not None


def _number(value: object) -> bool:
    """A finite JSON number (1e400 parses as infinity; booleans are not numbers)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _refused(error: str, status: int = 401) -> JSONResponse:
    challenge = 'Bearer realm="api"' + (f', error="{error}"' if error != "missing" else "")
    return JSONResponse(
        {"error": error}, status_code=status, headers={"WWW-Authenticate": challenge}
    )


async def _json(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def build_app(db_path: Path, *, cors_origin: str = "", prefix: str = "") -> Starlette:
    """The app on the SQLite file *db_path*; *cors_origin*, when given, is the one other origin
    whose pages may call it (a team's SPA on its dev server), as a team would allow its own;
    *prefix* (e.g. "/api/v1") puts every path under it."""
    store = Store(db_path)

    def bearer_claims(request: Request) -> dict[str, Any] | Response:
        """The verified claims of the request's access token, or the refusal to send."""
        values = request.headers.getlist("authorization")
        if not values:
            return _refused("missing")
        scheme, _, token = values[0].partition(" ")
        if scheme.lower() != "bearer":
            return _refused("missing")
        if len(values) > 1 or not token.strip():
            return _refused("invalid_request", 400)
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(
                token,
                SECRET,
                algorithms=["HS256"],
                # Time claims are checked below against the test clock, not the wall clock.
                options={
                    "require": ["exp", "iat", "sub", "jti", "sid"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError:
            return _refused("invalid_token")
        typ = header.get("typ")
        exp, iat, nbf, sub = (claims.get(name) for name in ("exp", "iat", "nbf", "sub"))
        jti, sid = claims.get("jti"), claims.get("sid")
        now = store.now()
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TYP:
            return _refused("invalid_token")
        if not _number(exp) or exp <= now or not _number(iat) or iat > now + 5:
            return _refused("invalid_token")
        if nbf is not None and (not _number(nbf) or nbf > now):
            return _refused("invalid_token")
        if not isinstance(sub, str) or sub not in USERS or store.disabled(sub):
            return _refused("invalid_token")
        if not isinstance(jti, str) or not isinstance(sid, str) or store.access_revoked(jti, sid):
            return _refused("invalid_token")
        return claims

    async def login(request: Request) -> Response:
        body = await _json(request)
        if body is None:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        known = USERS.get(username)
        if (
            known is None
            or not secrets.compare_digest(known.encode(), password.encode())
            or store.disabled(username)
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=401, headers=NO_STORE)
        return JSONResponse(store.issue(username), headers=NO_STORE)

    async def refresh(request: Request) -> Response:
        body = await _json(request)
        token = None if body is None else body.get("refresh_token")
        if not isinstance(token, str) or not token:
            return JSONResponse({"error": "invalid_request"}, status_code=400, headers=NO_STORE)
        issued = store.rotate(token)
        if issued is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=401, headers=NO_STORE)
        return JSONResponse(issued, headers=NO_STORE)

    async def logout(request: Request) -> Response:
        claims = bearer_claims(request)
        if isinstance(claims, Response):
            return claims
        body = await _json(request) or {}
        token = body.get("refresh_token")
        if isinstance(token, str):
            store.revoke(token, claims["sub"])
        store.revoke_access(claims["jti"], claims["exp"])
        return Response(status_code=204)

    async def me(request: Request) -> Response:
        claims = bearer_claims(request)
        if isinstance(claims, Response):
            return claims
        return JSONResponse({"username": claims["sub"]})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            body = await _json(request) or {}
            seconds = body.get("advance")
            if not isinstance(seconds, int | float):
                return JSONResponse({"error": "advance: a number"}, status_code=400)
            store.advance(float(seconds))
        return JSONResponse({"now": store.now()})

    async def switch_user(request: Request) -> Response:
        name, action = request.path_params["name"], request.path_params["action"]
        if name not in USERS or action not in ("disable", "enable"):
            return JSONResponse({"error": "not found"}, status_code=404)
        if action == "disable":
            store.db.execute("INSERT OR IGNORE INTO disabled_users VALUES (?)", (name,))
        else:
            store.db.execute("DELETE FROM disabled_users WHERE username = ?", (name,))
        return Response(status_code=204)

    cors = [
        Middleware(
            CORSMiddleware,
            allow_origins=[cors_origin],
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    ]
    routes: list[BaseRoute] = [
        Route("/auth/login", login, methods=["POST"]),
        Route("/auth/refresh", refresh, methods=["POST"]),
        Route("/auth/logout", logout, methods=["POST"]),
        Route("/api/me", me, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/__test__/clock", clock, methods=["GET", "POST"]),
        Route("/__test__/users/{name}/{action}", switch_user, methods=["POST"]),
    ]
    return Starlette(
        middleware=cors if cors_origin else [],
        # Everything under the prefix (e.g. /api/v1), as when a team's API shares a host.
        routes=[Mount(prefix, routes=routes)] if prefix else routes,
    )
