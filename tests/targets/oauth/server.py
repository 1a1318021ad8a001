"""A spec-following OAuth 2.0 server, the way careful teams build one, to prove the suite judges
it right (issue 13). Written to the RFCs, not to the suite:

- RFC 6749 token endpoint `POST /oauth/token`, form-encoded only, HTTP Basic client
  authentication (§2.3.1), `grant_type=password` and `grant_type=refresh_token`, §5.2 error
  answers (400 `invalid_request`/`invalid_grant`/..., 401 `invalid_client`), no-store answers;
- RFC 9068 access tokens: RS256 JWTs typed `at+jwt` in the JOSE header, with a `kid` published
  at `/.well-known/jwks.json` (RFC 7517), checked in RFC 9068 §4's order (typ first);
- opaque refresh tokens, rotated on every use, with reuse detection revoking the family and its
  access tokens (RFC 9700 §4.14.2);
- RFC 7009 revocation at `POST /oauth/revoke`;
- RFC 6750 §3 challenges at the protected `GET /api/me`: no error code without credentials,
  400 `invalid_request` for a malformed Authorization header, 401 `invalid_token` otherwise;
- a login throttle (failed password grants per client address) and a refresh rate limit
  (refresh grants per client address), both answered 429 with Retry-After;
- `POST /test/users/{name}/disable|enable`, the admin hook the profile declares.

`Faults` switches on one defect at a time for the faulty variants the tests use.

    python -m tests.targets.oauth.server --port 8000 [--key-file k.pem] [--fault NAME]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import math
import re
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import parse_qsl, unquote

import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ISSUER = "https://auth.example.test"
AUDIENCE = "https://api.example.test"
CLIENT_ID = "suite-client"
CLIENT_SECRET = "s3cret:with/odd&chars"
USERS = {"alice": "correct horse battery staple"}
ACCESS_LIFETIME = 300
REFRESH_LIFETIME = 86_400
KID = "rsa-2026-01"
MAX_BODY = 16_384
# RFC 6750 §2.1: b64token.
BEARER = re.compile(r"^Bearer +([A-Za-z0-9\-._~+/]+=*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Faults:
    """One defect per faulty variant; all off is the correct server."""

    # RFC 9068 §4 step 1 done (typ) and a kid required, then alg/jwk/kid taken from the header.
    trust_header: bool = False
    # A replayed, rotated-out refresh token is refused but its family lives on.
    no_reuse_detection: bool = False
    # The revocation endpoint answers 200 and revokes nothing.
    revoke_noop: bool = False
    # A repeated form parameter crashes the form parser (500).
    crash_on_repeated_param: bool = False
    # No refresh rate limit at all.
    refresh_unlimited: bool = False
    # A well-formed but invalid token gets 400 invalid_request instead of 401 invalid_token.
    bad_token_400: bool = False
    # The token endpoint also answers GET, credentials in the query string (RFC 6749 §3.2: POST).
    login_by_get: bool = False


FAULT_NAMES = tuple(f.name.replace("_", "-") for f in fields(Faults))


@dataclass(frozen=True)
class Limits:
    refresh_limit: int = 15
    refresh_window: float = 2.0
    login_limit: int = 4
    login_window: float = 2.0


@dataclass
class RefreshRecord:
    family: str
    user: str
    expires: float
    used: bool = False


@dataclass
class State:
    key: rsa.RSAPrivateKey
    faults: Faults
    limits: Limits
    refresh_tokens: dict[str, RefreshRecord] = field(default_factory=dict)
    revoked_families: set[str] = field(default_factory=set)
    disabled: set[str] = field(default_factory=set)
    refreshes: dict[str, deque[float]] = field(default_factory=dict)
    failed_logins: dict[str, deque[float]] = field(default_factory=dict)
    # (arrival time, grant_type, status) of every token request, for `GET /test/traffic`: the
    # tests measure the suite's pacing from what the server saw, not from the suite's records.
    traffic: list[tuple[float, str, int]] = field(default_factory=list)

    @property
    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def _no_store(body: Mapping[str, Any], status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(
        dict(body),
        status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache", **headers},
    )


def _oauth_error(exc: OAuthError) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="token"'} if exc.status == 401 else {}
    return _no_store(
        {"error": exc.error, "error_description": exc.description}, exc.status, **headers
    )


def _window_full(log: deque[float], limit: int, window: float, now: float) -> float:
    """Seconds until the sliding window has room again (0 when it has)."""
    while log and log[0] <= now - window:
        log.popleft()
    return 0.0 if len(log) < limit else log[0] + window - now


async def _form(request: Request) -> dict[str, str]:
    """The form body, strictly: right content type, bounded size, UTF-8, no repeats."""
    state: State = request.app.state.oauth
    if request.method == "GET" and state.faults.login_by_get:
        return dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError(
            400, "invalid_request", "the body must be application/x-www-form-urlencoded"
        )
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_BODY:
        raise OAuthError(413, "invalid_request", "the body is too large")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise OAuthError(413, "invalid_request", "the body is too large")
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise OAuthError(400, "invalid_request", "the body is not a valid form") from None
    found: dict[str, str] = {}
    for name, value in pairs:
        if name in found:
            if state.faults.crash_on_repeated_param:
                raise RuntimeError(f"parameter {name} twice")
            # RFC 6749 §3.2: parameters MUST NOT be included more than once.
            raise OAuthError(400, "invalid_request", f"parameter {name} repeated")
        found[name] = value
    return found


def _client(request: Request) -> str:
    """RFC 6749 §2.3.1 HTTP Basic client authentication."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError(401, "invalid_client", "client authentication required")
    try:
        pair = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise OAuthError(401, "invalid_client", "malformed client credentials") from None
    raw_id, _, raw_secret = pair.partition(":")
    client_id, secret = unquote(raw_id), unquote(raw_secret)
    if client_id != CLIENT_ID or not hmac.compare_digest(secret, CLIENT_SECRET):
        raise OAuthError(401, "invalid_client", "unknown client or wrong secret")
    return client_id


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _access_token(state: State, user: str, family: str, scope: str) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": user,
        "aud": AUDIENCE,
        "exp": now + ACCESS_LIFETIME,
        "iat": now,
        "jti": secrets.token_urlsafe(16),
        "client_id": CLIENT_ID,
        "scope": scope,
        "sid": family,
    }
    return jwt.encode(claims, state.key, algorithm="RS256", headers={"typ": "at+jwt", "kid": KID})


def _issue(state: State, user: str, family: str, scope: str) -> JSONResponse:
    refresh = secrets.token_urlsafe(32)
    state.refresh_tokens[refresh] = RefreshRecord(family, user, time.time() + REFRESH_LIFETIME)
    return _no_store(
        {
            "access_token": _access_token(state, user, family, scope),
            "token_type": "Bearer",
            "expires_in": ACCESS_LIFETIME,
            "refresh_token": refresh,
            "scope": scope,
        }
    )


async def token(request: Request) -> Response:
    state: State = request.app.state.oauth
    arrived = time.time()
    response = await _token(state, request)
    state.traffic.append((arrived, request.state.grant, response.status_code))
    return response


async def _token(state: State, request: Request) -> Response:
    request.state.grant = ""
    try:
        form = await _form(request)
        _client(request)
        grant = form.get("grant_type")
        request.state.grant = grant or ""
        if grant == "password":
            return _password_grant(state, request, form)
        if grant == "refresh_token":
            return _refresh_grant(state, request, form)
        if grant is None:
            raise OAuthError(400, "invalid_request", "grant_type is required")
        raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")
    except OAuthError as exc:
        return _oauth_error(exc)


def _password_grant(state: State, request: Request, form: dict[str, str]) -> Response:
    now = time.time()
    failures = state.failed_logins.setdefault(_address(request), deque())
    wait = _window_full(failures, state.limits.login_limit, state.limits.login_window, now)
    if wait:
        return _no_store(
            {"error": "slow_down", "error_description": "too many failed logins"},
            429,
            **{"Retry-After": str(math.ceil(wait))},
        )
    username, password = form.get("username"), form.get("password")
    if not username or password is None:
        raise OAuthError(400, "invalid_request", "username and password are required")
    expected = USERS.get(username)
    if (
        expected is None
        or not hmac.compare_digest(password.encode(), expected.encode())
        or username in state.disabled
    ):
        failures.append(now)
        raise OAuthError(400, "invalid_grant", "wrong username or password")
    return _issue(state, username, secrets.token_urlsafe(12), form.get("scope", "api"))


def _refresh_grant(state: State, request: Request, form: dict[str, str]) -> Response:
    now = time.time()
    if not state.faults.refresh_unlimited:
        log = state.refreshes.setdefault(_address(request), deque())
        wait = _window_full(log, state.limits.refresh_limit, state.limits.refresh_window, now)
        if wait:
            return _no_store(
                {"error": "slow_down", "error_description": "too many refreshes"},
                429,
                **{"Retry-After": str(math.ceil(wait))},
            )
        log.append(now)
    presented = form.get("refresh_token")
    if not presented:
        raise OAuthError(400, "invalid_request", "refresh_token is required")
    record = state.refresh_tokens.get(presented)
    if record is None or record.expires <= now or record.family in state.revoked_families:
        raise OAuthError(400, "invalid_grant", "refresh token invalid, expired or revoked")
    if record.user in state.disabled:
        raise OAuthError(400, "invalid_grant", "the user is disabled")
    if record.used:
        if not state.faults.no_reuse_detection:
            # RFC 9700 §4.14.2: a rotated-out token came back; someone holds a copy.
            state.revoked_families.add(record.family)
        raise OAuthError(400, "invalid_grant", "refresh token already used")
    record.used = True
    return _issue(state, record.user, record.family, form.get("scope", "api"))


async def revoke(request: Request) -> Response:
    """RFC 7009: revoking a refresh token ends its family, access tokens included."""
    state: State = request.app.state.oauth
    try:
        form = await _form(request)
        _client(request)
    except OAuthError as exc:
        return _oauth_error(exc)
    presented = form.get("token")
    if presented is None:
        return _oauth_error(OAuthError(400, "invalid_request", "token is required"))
    if state.faults.revoke_noop:
        return Response(status_code=200)
    record = state.refresh_tokens.get(presented)
    if record is not None:
        state.revoked_families.add(record.family)
    else:
        claims = _verified_claims(state, presented)
        if claims is not None:
            state.revoked_families.add(str(claims["sid"]))
    # §2.2: an invalid token is not an error; the answer is the same.
    return Response(status_code=200, headers={"Cache-Control": "no-store"})


def _b64json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _header(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = _b64json(parts[0])
    except (ValueError, UnicodeDecodeError):
        return None
    return header if isinstance(header, dict) else None


def _is_time(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _verified_claims(state: State, token: str) -> dict[str, Any] | None:
    """RFC 9068 §4: typ, then the signature with the one algorithm and key, then the claims."""
    header = _header(token)
    if header is None or header.get("typ") not in ("at+jwt", "application/at+jwt"):
        return None
    if state.faults.trust_header:
        payload = _trusting_decode(state, token, header)
    else:
        if header.get("alg") != "RS256" or header.get("kid") != KID or "crit" in header:
            return None
        try:
            payload = jwt.decode(
                token,
                state.key.public_key(),
                algorithms=["RS256"],
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
            return None
    if not isinstance(payload, dict):
        return None
    return payload if _claims_valid(state, payload) else None


def _trusting_decode(state: State, token: str, header: dict[str, Any]) -> Any:
    """The faulty path: typ and a kid checked, then whatever the header says is believed."""
    if not isinstance(header.get("kid"), str):
        return None
    signing_input, _, signature = token.rpartition(".")
    payload_part = signing_input.split(".")[1]
    alg = str(header.get("alg"))
    try:
        if alg.lower() == "none":
            return _b64json(payload_part)
        if isinstance(header.get("jwk"), dict):
            key: Any = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(header["jwk"]))
            return jwt.decode(
                token, key, algorithms=[alg], options={"verify_exp": False, "verify_aud": False}
            )
        if alg.startswith("HS"):
            secret = state.public_pem if header["kid"] == KID else Path(header["kid"]).read_bytes()
            mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
            given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
            return _b64json(payload_part) if hmac.compare_digest(mac, given) else None
        return jwt.decode(
            token,
            state.key.public_key(),
            algorithms=[alg],
            options={"verify_exp": False, "verify_aud": False},
        )
    except (OSError, ValueError, TypeError, jwt.PyJWTError):
        return None


def _claims_valid(state: State, claims: dict[str, Any]) -> bool:
    now = time.time()
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf", 0)
    if not (_is_time(exp) and _is_time(iat) and _is_time(nbf)):
        return False
    if exp <= now or iat > now + 5 or nbf > now:
        return False
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if claims.get("iss") != ISSUER or AUDIENCE not in audiences:
        return False
    sub, sid = claims.get("sub"), claims.get("sid")
    if not isinstance(sub, str) or sub not in USERS or sub in state.disabled:
        return False
    if not isinstance(claims.get("jti"), str) or not isinstance(sid, str):
        return False
    # RFC 9068 §2.2: client_id is REQUIRED; a token for another client is not ours to honour.
    if claims.get("client_id") != CLIENT_ID:
        return False
    return sid not in state.revoked_families


def _challenge(status: int, error: str = "", description: str = "") -> JSONResponse:
    params = 'Bearer realm="api"'
    if error:
        params += f', error="{error}", error_description="{description}"'
    body = {"error": error or "unauthorized", "error_description": description or "log in"}
    return JSONResponse(body, status, headers={"WWW-Authenticate": params})


async def me(request: Request) -> Response:
    state: State = request.app.state.oauth
    values = request.headers.getlist("authorization")
    if not values:
        return _challenge(401)
    if len(values) > 1:
        return _challenge(400, "invalid_request", "more than one Authorization header")
    match = BEARER.match(values[0])
    if match is None:
        if values[0].split(" ", 1)[0].lower() != "bearer":
            return _challenge(401)
        return _challenge(400, "invalid_request", "malformed bearer credentials")
    claims = _verified_claims(state, match.group(1))
    if claims is None:
        if state.faults.bad_token_400:
            return _challenge(400, "invalid_request", "bad token")
        return _challenge(401, "invalid_token", "the access token is invalid")
    return JSONResponse({"sub": claims["sub"], "scope": claims.get("scope", "")})


async def jwks(request: Request) -> Response:
    state: State = request.app.state.oauth
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(state.key.public_key()))
    return JSONResponse({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]})


async def traffic(request: Request) -> Response:
    state: State = request.app.state.oauth
    return JSONResponse({"requests": state.traffic})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def set_user(request: Request) -> Response:
    state: State = request.app.state.oauth
    name, action = request.path_params["name"], request.path_params["action"]
    if name not in USERS or action not in ("disable", "enable"):
        return JSONResponse({"error": "not found"}, 404)
    (state.disabled.add if action == "disable" else state.disabled.discard)(name)
    return JSONResponse({"user": name, "disabled": name in state.disabled})


def create_app(
    faults: Faults = Faults(), *, key: rsa.RSAPrivateKey | None = None, limits: Limits = Limits()
) -> Starlette:
    token_methods = ["GET", "POST"] if faults.login_by_get else ["POST"]
    app = Starlette(
        routes=[
            Route("/oauth/token", token, methods=token_methods),
            Route("/oauth/revoke", revoke, methods=["POST"]),
            Route("/api/me", me, methods=["GET"]),
            Route("/.well-known/jwks.json", jwks, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            Route("/test/users/{name}/{action}", set_user, methods=["POST"]),
            Route("/test/traffic", traffic, methods=["GET"]),
        ]
    )
    app.state.oauth = State(
        key or rsa.generate_private_key(public_exponent=65537, key_size=2048), faults, limits
    )
    return app


def load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    """The signing key kept in `path` (PKCS#8 PEM), created there on first use, so that a
    profile can name the file in [signing] private_key_file."""
    if path.exists():
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)
        return loaded
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key-file", type=Path)
    parser.add_argument("--fault", choices=FAULT_NAMES, action="append", default=[])
    parser.add_argument("--refresh-limit", type=int, default=Limits.refresh_limit)
    parser.add_argument("--refresh-window", type=float, default=Limits.refresh_window)
    parser.add_argument("--login-limit", type=int, default=Limits.login_limit)
    parser.add_argument("--login-window", type=float, default=Limits.login_window)
    args = parser.parse_args()
    faults = replace(Faults(), **{name.replace("-", "_"): True for name in args.fault})
    key = load_or_create_key(args.key_file) if args.key_file else None
    limits = Limits(args.refresh_limit, args.refresh_window, args.login_limit, args.login_window)
    app = create_app(faults, key=key, limits=limits)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
