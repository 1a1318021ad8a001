"""Probing a running dual-token server: what `dualtoken init-profile` learns, and how.

Every finding carries a note saying what was seen, so the written profile can show its evidence.
Only the caller's own test logins, refreshes and logouts are sent, and only to paths that look
like those endpoints (from the server's OpenAPI document when it publishes one, else the common
paths of popular frameworks); nothing else is changed on the server.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

__all__ = ["Finding", "Probe", "ProbeResult", "decode_jwt", "looks_like_jwt"]

OPENAPI_PATHS = (
    "/openapi.json",
    "/api/openapi.json",
    "/docs/openapi.json",
    "/swagger.json",
    "/api/schema/",
    "/v3/api-docs",
)
LOGIN_PATHS = (
    "/login",
    "/auth/login",
    "/api/login",
    "/api/auth/login",
    "/api/v1/auth/login",
    "/token",
    "/auth/token",
    "/api/token",
    "/api/token/",
    "/api/token/pair",
    "/auth/jwt/create/",
    "/auth/jwt/create",
    "/users/login",
    "/signin",
    "/auth/signin",
)
REFRESH_PATHS = (
    "/refresh",
    "/auth/refresh",
    "/api/refresh",
    "/api/auth/refresh",
    "/token/refresh",
    "/api/token/refresh",
    "/api/token/refresh/",
    "/auth/jwt/refresh/",
    "/auth/jwt/refresh",
    "/auth/refresh-token",
    "/refresh_token",
    "/refresh-token",
    "/token",
)
LOGOUT_PATHS = (
    "/logout",
    "/auth/logout",
    "/api/logout",
    "/api/auth/logout",
    "/api/token/blacklist",
    "/api/token/blacklist/",
    "/token/revoke",
    "/auth/revoke",
    "/signout",
)
PROTECTED_PATHS = (
    "/protected",
    "/posts",  # the popular Express tutorial's
    "/api/protected",
    "/me",
    "/api/me",
    "/users/me",
    "/api/users/me",
    "/auth/me",
    "/api/auth/me",
    "/api/v1/me",
    "/api/v1/users/me",
    "/user",
    "/api/user",
    "/auth/user",
    "/profile",
    "/api/profile",
    "/account",
    "/api/account",
    "/whoami",
    "/api/whoami",
    "/userinfo",
)
PUBLIC_PATHS = ("/public", "/api/public", "/healthz", "/health", "/api/health")
USERNAME_FIELDS = ("username", "email", "login", "user", "user_name", "name")
PASSWORD_FIELDS = ("password", "pass", "passphrase", "pwd")
REFRESH_FIELDS = ("refresh_token", "refresh", "refreshToken", "token")
SUBJECT_CLAIMS = ("sub", "user_id", "uid", "userId", "username", "name", "id")
CLOCK_PATH = "/__test__/clock"

_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


def looks_like_jwt(value: object) -> bool:
    return isinstance(value, str) and bool(_JWT.match(value))


def _b64json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Header and claims, unverified; None when the token is not a JWT with JSON objects."""
    if not looks_like_jwt(token):
        return None
    header_part, payload_part, _ = token.split(".")
    try:
        header, claims = _b64json(header_part), _b64json(payload_part)
    except (ValueError, binascii.Error):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return header, claims


@dataclass(frozen=True)
class Finding:
    """One profile value and what was seen that led to it."""

    value: Any
    note: str


@dataclass
class ProbeResult:
    """What the probe learnt, key by key, as (section, key) -> Finding; and what it could not.

    `remarks` are comments for a section where the probe saw something no key can say, or chose
    between readings it cannot tell apart from outside: the written profile shows them there."""

    found: dict[tuple[str, str], Finding] = field(default_factory=dict)
    logout: list[dict[str, Finding]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    remarks: dict[str, list[str]] = field(default_factory=dict)

    def set(self, section: str, key: str, value: Any, note: str) -> None:
        self.found[(section, key)] = Finding(value, note)

    def remark(self, section: str, text: str) -> None:
        self.remarks.setdefault(section, []).append(text)

    def get(self, section: str, key: str, default: Any = None) -> Any:
        finding = self.found.get((section, key))
        return default if finding is None else finding.value


@dataclass
class _Tokens:
    access: str
    refresh: str  # "" when none was found
    refresh_cookie: str  # the cookie name when the refresh token came as a cookie
    body: dict[str, Any]
    cookie_path: str = "/"  # the Path the refresh cookie was set for
    issued_at: int | None = None  # the answer's Date, for tokens without iat


@dataclass
class Probe:
    base_url: str
    username: str
    password: str
    timeout: float = 5.0
    result: ProbeResult = field(default_factory=ProbeResult)
    openapi: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")

    def client(self) -> httpx.Client:
        # No cookie jar: every request carries exactly the cookies the probe puts on it. A jar
        # would drop a `Secure` cookie over http:// and mix up the cookies of several logins.
        refuse_all = CookieJar(DefaultCookiePolicy(allowed_domains=[]))
        return httpx.Client(
            base_url=self.base_url,
            timeout=self.timeout,
            follow_redirects=False,
            cookies=refuse_all,
        )

    # -- discovery ------------------------------------------------------------------------------

    def run(self) -> ProbeResult:
        with self.client() as client:
            self._read_openapi(client)
            tokens = self._find_login(client)
            if tokens is None:
                self.result.missing.append(
                    "a login endpoint that answers tokens for these credentials (tried "
                    + ", ".join(self._candidates("login", LOGIN_PATHS))
                    + "): [login] is a guess"
                )
                return self.result
            self._read_claims(tokens)
            self._find_protected(client, tokens)
            self._judge_unmarked_kinds(client, tokens)
            self._find_public(client)
            self._find_refresh(client)
            self._find_rejections(client)
            self._find_logout(client)
            self._find_clock(client)
        return self.result

    def _read_openapi(self, client: httpx.Client) -> None:
        for path in OPENAPI_PATHS:
            try:
                answer = client.get(path)
                document = answer.json() if answer.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                continue
            if isinstance(document, dict) and isinstance(document.get("paths"), dict):
                self.openapi = document
                self.result.set("target", "openapi", path, f"OpenAPI document at {path}")
                return
        self.result.missing.append(
            "an OpenAPI document (tried " + ", ".join(OPENAPI_PATHS) + "): paths are guesses "
            "from popular frameworks"
        )

    def _candidates(self, kind: str, fallback: tuple[str, ...]) -> list[str]:
        """Paths of the OpenAPI document whose name says `kind`, else the common ones."""
        words = {
            "login": ("login", "signin", "token/pair", "jwt/create", "auth/token"),
            "refresh": ("refresh",),
            "logout": ("logout", "signout", "revoke", "blacklist"),
        }[kind]
        paths = self.openapi.get("paths", {})
        named = [
            path
            for path, operations in paths.items()
            if isinstance(operations, dict)
            and any(word in path.lower() for word in words)
            and "{" not in path
        ]
        if kind == "login" and not named:
            named = [p for p in paths if p.rstrip("/").endswith(("/token", "/auth"))]
        return named or list(fallback)

    def _login(
        self, client: httpx.Client, path: str, encoding: str, user_field: str, pass_field: str
    ) -> httpx.Response | None:
        data = {user_field: self.username, pass_field: self.password}
        try:
            if encoding == "json":
                return client.post(path, json=data)
            return client.post(path, data=data)
        except httpx.HTTPError:
            return None

    def _login_fields(self, path: str) -> list[tuple[str, str, str]]:
        """(encoding, username field, password field) to try, the OpenAPI schema's first."""
        tries: list[tuple[str, str, str]] = []
        operation = self.openapi.get("paths", {}).get(path, {}).get("post", {})
        content = operation.get("requestBody", {}).get("content", {}) if operation else {}
        for media, body in content.items():
            encoding = "json" if "json" in media else "form"
            properties = self._schema(body.get("schema", {})).get("properties", {})
            user = next((f for f in USERNAME_FIELDS if f in properties), "")
            password = next((f for f in PASSWORD_FIELDS if f in properties), "")
            if user and password:
                tries.append((encoding, user, password))
        for encoding in ("json", "form"):
            for user in USERNAME_FIELDS[:3]:
                if (encoding, user, "password") not in tries:
                    tries.append((encoding, user, "password"))
        return tries

    def _schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        reference = schema.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/"):
            node: Any = self.openapi
            for part in reference[2:].split("/"):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            return node if isinstance(node, dict) else {}
        return schema

    def _find_login(self, client: httpx.Client) -> _Tokens | None:
        for path in self._candidates("login", LOGIN_PATHS):
            for encoding, user_field, pass_field in self._login_fields(path):
                answer = self._login(client, path, encoding, user_field, pass_field)
                if answer is None or answer.status_code in (404, 405):
                    break  # no such endpoint: next path
                tokens = self._tokens_in(answer)
                if tokens is None:
                    continue
                seen = f"POST {path} ({encoding}) answered {answer.status_code} with tokens"
                self.result.set("login", "path", path, seen)
                self.result.set("login", "encoding", encoding, seen)
                self.result.set("login", "username_field", user_field, seen)
                self.result.set("login", "password_field", pass_field, seen)
                self._login_spec = (path, encoding, user_field, pass_field)
                self.result.set("probe", "access_token", tokens.access, "not written")
                self._read_login_fields(tokens)
                return tokens
        return None

    def fresh_login(self, client: httpx.Client) -> _Tokens:
        path, encoding, user_field, pass_field = self._login_spec
        answer = self._login(client, path, encoding, user_field, pass_field)
        tokens = None if answer is None else self._tokens_in(answer)
        if tokens is None:
            raise RuntimeError(f"POST {path}: the second login did not answer tokens")
        return tokens

    def _tokens_in(self, answer: httpx.Response) -> _Tokens | None:
        if not answer.is_success:
            return None
        try:
            body = answer.json()
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        strings = {k: v for k, v in body.items() if isinstance(v, str) and len(v) >= 16}
        access_key = next((k for k in strings if "access" in k.lower()), "")
        refresh_key = next((k for k in strings if "refresh" in k.lower()), "")
        if not access_key:
            jwts = [k for k in strings if looks_like_jwt(strings[k]) and k != refresh_key]
            access_key = jwts[0] if jwts else ""
        if not access_key:
            return None
        cookie = ""
        if not refresh_key:
            names = [c.name for c in answer.cookies.jar]
            cookie = next((n for n in names if "refresh" in n.lower()), names[0] if names else "")
        self._access_key, self._refresh_key = access_key, refresh_key
        refresh = strings.get(refresh_key, "") or _cookie(answer, cookie)
        return _Tokens(
            strings[access_key],
            refresh,
            cookie,
            body,
            cookie_path=_cookie_path(answer, cookie),
            issued_at=_date(answer),
        )

    def _read_login_fields(self, tokens: _Tokens) -> None:
        seen = "the login answer's keys: " + ", ".join(sorted(tokens.body))
        self.result.set("login", "access_token_field", self._access_key, seen)
        if self._refresh_key:
            self.result.set("login", "refresh_token_field", self._refresh_key, seen)
        elif tokens.refresh_cookie:
            self.result.set(
                "refresh", "transport", "cookie", f"login set the cookie {tokens.refresh_cookie}"
            )
            self.result.set("refresh", "field", tokens.refresh_cookie, "the refresh cookie's name")
        else:
            self.result.missing.append("a refresh token in the login answer (body or cookie)")
        for key, wanted in (("expires_in_field", "expires_in"), ("token_type_field", "token_type")):
            match = next((k for k in tokens.body if k.lower() == wanted), "")
            if match:
                self.result.set("login", key, match, seen)

    def _read_claims(self, tokens: _Tokens) -> None:
        access = decode_jwt(tokens.access)
        if access is None:
            self.result.missing.append("claims: the access token is not a JWT")
            return
        header, claims = access
        refresh = decode_jwt(tokens.refresh) if tokens.refresh else None
        seen = "access token claims: " + ", ".join(sorted(claims))
        self.result.set("signing", "algorithm", header.get("alg", "HS256"), f"header alg of {seen}")
        self._read_subject(claims)
        if refresh is not None:
            refresh_claims = refresh[1]
            kinds = [
                c
                for c in claims
                if c in refresh_claims
                and isinstance(claims[c], str)
                and claims[c] != refresh_claims[c]
                and "access" in claims[c].lower()
            ]
            if kinds:
                name = kinds[0]
                note = (
                    f"{name}: {claims[name]!r} in the access token, "
                    f"{refresh_claims[name]!r} in the refresh token"
                )
                self.result.set("claims", "type", name, note)
                self.result.set("claims", "access_type", claims[name], note)
                self.result.set("claims", "refresh_type", refresh_claims[name], note)
            else:
                self._read_kind_without_claim(header, claims, refresh[0], refresh_claims)
            self._read_lifetime("refresh", refresh_claims, tokens.issued_at)
        elif tokens.refresh:
            self.result.missing.append("claims of the refresh token: it is not a JWT (opaque)")
        self._refresh_is_jwt = refresh is not None
        self._optional_claims = [c for c in ("jti", "sid", "iat", "nbf") if c in claims]
        self.result.set("claims", "required", [], "")
        self._read_lifetime("access", claims, tokens.issued_at)
        if isinstance(claims.get("iss"), str):
            self.result.set("claims", "issuer", claims["iss"], "iss in the access token")
        audience = _audience(claims.get("aud"))
        # An aud that tells the kinds apart is written as access_audience, not as an audience
        # every token must carry (the refresh token carries another).
        if audience and self.result.get("claims", "kind_by") != "audience":
            self.result.set("claims", "audience", audience, "aud in the access token")

    def _read_lifetime(self, kind: str, claims: dict[str, Any], issued_at: int | None) -> None:
        """exp - iat; without iat (RFC 7519 makes it optional), exp - the answer's Date."""
        exp, iat = claims.get("exp"), claims.get("iat")
        if isinstance(exp, int | float) and isinstance(iat, int | float):
            lifetime, seen = int(exp) - int(iat), f"exp - iat of the {kind} token"
        elif isinstance(exp, int | float) and issued_at is not None:
            # Date has whole seconds and may fall a second after the token was minted: a value
            # within 2 s of whole minutes is that many minutes, as lifetimes are written.
            raw = int(exp) - issued_at
            minutes = round(raw / 60) * 60
            lifetime = minutes if minutes > 0 and abs(raw - minutes) <= 2 else raw
            seen = f"exp - the answer's Date = {raw} s (the {kind} token has no iat)"
        else:
            self.result.missing.append(f"the {kind} lifetime (the {kind} token lacks exp)")
            return
        self.result.set("lifetimes", kind, lifetime, seen)

    def _read_subject(self, claims: dict[str, Any]) -> None:
        """RFC 7519 §4.1.2: `sub` names the token's user; another claim only when there is no
        sub. A second claim holding the login name is named in the note: which one the server
        looks its user up by is only seen by forging (`probe_with_key`)."""
        named = [c for c in SUBJECT_CLAIMS if c != "sub" and claims.get(c) == self.username]
        self._login_name_claims = named
        if _usable_subject(claims.get("sub")):
            subject = "sub"
        else:
            subject = next(iter(named), "") or next(
                (c for c in SUBJECT_CLAIMS if _usable_subject(claims.get(c))), ""
            )
        if not subject:
            self.result.missing.append(
                "a claim naming the user (no " + ", ".join(SUBJECT_CLAIMS) + ")"
            )
            return
        note = f"{subject} = {claims[subject]!r} in the access token"
        others = [c for c in named if c != subject]
        if others:
            note += (
                f"; {others[0]} = {claims[others[0]]!r} holds the login name: if your server "
                f"finds the user by it, write subject = {json.dumps(others[0])} (with the key, "
                "init-profile tells which)"
            )
        self.result.set("claims", "subject", subject, note)

    def _read_kind_without_claim(
        self,
        header: dict[str, Any],
        claims: dict[str, Any],
        refresh_header: dict[str, Any],
        refresh_claims: dict[str, Any],
    ) -> None:
        """No payload claim differs: the JOSE typ (RFC 9068), the audience, or else the key."""
        if header.get("typ") != refresh_header.get("typ") and header.get("typ"):
            note = (
                f"no claim differs; header typ {header['typ']!r} vs {refresh_header.get('typ')!r}"
            )
            self.result.set("claims", "kind_by", "header", note)
            self.result.set("claims", "access_type", header["typ"], note)
            self.result.set("claims", "refresh_type", refresh_header.get("typ", ""), note)
            return
        # RFC 7519 §4.1.3: aud is a string or an array of them (fastapi-users writes a list).
        access_aud, refresh_aud = _audience(claims.get("aud")), _audience(refresh_claims.get("aud"))
        if access_aud and refresh_aud and access_aud != refresh_aud:
            note = (
                f"no type claim, but aud differs: {claims['aud']!r} in the access token, "
                f"{refresh_claims['aud']!r} in the refresh token"
            )
            self.result.set("claims", "kind_by", "audience", note)
            self.result.set("claims", "access_audience", access_aud, note)
            self.result.set("claims", "refresh_audience", refresh_aud, note)
            return
        # Nothing in the tokens tells them apart: either another key does, or nothing does.
        # Which one is seen once the protected path is known (_judge_unmarked_kinds).
        self._unmarked = True

    def _judge_unmarked_kinds(self, client: httpx.Client, tokens: _Tokens) -> None:
        """Tokens without a marker: a refresh token the protected path accepts shows that
        nothing tells the kinds apart (no second key either). The profile has no key for "no
        marker"; leaving kind_by out is the truthful profile: the suite looks for the seed's
        `type` claim, finds none, and TYPE-03 reports the missing marker."""
        if not getattr(self, "_unmarked", False):
            return
        why = "no claim, header typ or aud differs between the access and the refresh token"
        accepted: bool | None = None
        status = 0
        if self._protected and tokens.refresh:
            try:
                answer = client.get(
                    self._protected, headers={"Authorization": f"Bearer {tokens.refresh}"}
                )
                accepted = answer.is_success
                status = answer.status_code
            except httpx.HTTPError:
                accepted = None
        if accepted:
            self.result.remark(
                "claims",
                f"kind_by not written: {why}, and GET {self._protected} accepted the refresh "
                f"token as an access token ({status}): one key, no marker. No kind_by says that; "
                "with the default (a `type` claim) TYPE-01/02/03 report the missing separation "
                "and the cases that vary a marker skip on TYPE-03's premise.",
            )
            self.result.missing.append(
                "a marker telling access and refresh tokens apart (there is none: see [claims])"
            )
            return
        seen = (
            f"GET {self._protected} refused the refresh token ({status})"
            if accepted is False
            else "the refresh token could not be tried at a protected path"
        )
        self.result.set(
            "claims",
            "kind_by",
            "key",
            f"{why}; {seen}: a key of its own is the likely reason. Give [signing.refresh] "
            "its key, or change this if something else tells them apart",
        )
        self.result.missing.append("a marker telling access and refresh tokens apart")

    def _find_protected(self, client: httpx.Client, tokens: _Tokens) -> None:
        # The document's secured paths first; the common ones too, for a document that does
        # not declare its security.
        secured = self._secured_paths()
        candidates = secured + [p for p in PROTECTED_PATHS if p not in secured]
        headers = {"Authorization": f"Bearer {tokens.access}"}
        for path in candidates:
            try:
                with_token = client.get(path, headers=headers)
                without = client.get(path)
            except httpx.HTTPError:
                continue
            if with_token.is_success and without.status_code in (401, 403, 422):
                self.result.set(
                    "paths",
                    "protected",
                    [path],
                    f"GET {path}: {with_token.status_code} with the access token, "
                    f"{without.status_code} without",
                )
                self.result.set(
                    "rejection", "missing", [without.status_code], f"GET {path} without a token"
                )
                self._protected = path
                return
        self._protected = ""
        self.result.missing.append(
            "a protected path (tried " + ", ".join(candidates) + "): [paths] protected is a guess"
        )

    def _secured_paths(self) -> list[str]:
        paths = self.openapi.get("paths", {})
        found: list[str] = []
        for path, operations in paths.items():
            get = operations.get("get") if isinstance(operations, dict) else None
            if isinstance(get, dict) and "{" not in path and get.get("security"):
                found.append(path)
        return found

    def _find_public(self, client: httpx.Client) -> None:
        public: list[str] = []
        for path in PUBLIC_PATHS:
            try:
                if client.get(path).is_success:
                    public.append(path)
            except httpx.HTTPError:
                continue
        if public:
            self.result.set("paths", "public", public, "answered 2xx without a token")

    def _refresh_attempts(self, tokens: _Tokens) -> list[tuple[str, str, dict[str, Any]]]:
        """(transport, field, request kwargs) in the order a server most likely wants them."""
        if tokens.refresh_cookie:
            # Sent as the browser would: the cookie the login set (a client without a jar, so
            # a `Secure` cookie goes over http:// to a test server too).
            cookie = {"Cookie": f"{tokens.refresh_cookie}={tokens.refresh}"}
            return [("cookie", tokens.refresh_cookie, {"headers": cookie})]
        fields = [self._refresh_key] + [f for f in REFRESH_FIELDS if f != self._refresh_key]
        attempts: list[tuple[str, str, dict[str, Any]]] = []
        attempts += [("json", f, {"json": {f: tokens.refresh}}) for f in fields]
        attempts.append(("bearer", "", {"headers": {"Authorization": f"Bearer {tokens.refresh}"}}))
        attempts += [("form", f, {"data": {f: tokens.refresh}}) for f in fields]
        return attempts

    def _find_refresh(self, client: httpx.Client) -> None:
        tokens = self.fresh_login(client)
        if not tokens.refresh:
            return
        for path in self._refresh_candidates(tokens):
            for transport, field_name, kwargs in self._refresh_attempts(tokens):
                try:
                    answer = client.post(path, **kwargs)
                except httpx.HTTPError:
                    continue
                if answer.status_code in (404, 405):
                    break
                body = _json(answer)
                if not (answer.is_success and isinstance(body, dict)):
                    continue
                if not any(isinstance(v, str) and len(v) >= 16 for v in body.values()):
                    continue
                seen = (
                    f"POST {path} with the refresh token ({transport}) "
                    f"answered {answer.status_code}"
                )
                self.result.set("refresh", "path", path, seen)
                self.result.set("refresh", "transport", transport, seen)
                if field_name and transport != "cookie":
                    self.result.set("refresh", "field", field_name, seen)
                access_key = next((k for k in body if "access" in k.lower()), self._access_key)
                if access_key != self._access_key:
                    self.result.set("refresh", "access_token_field", access_key, seen)
                self._refresh_spec = (path, transport, field_name)
                self._read_rotation(client, path, transport, field_name, tokens, answer, body)
                return
        self._refresh_spec = ("", "", "")
        self.result.missing.append("a refresh endpoint that accepts the refresh token")

    def _refresh_candidates(self, tokens: _Tokens) -> list[str]:
        """Refresh paths to try. A refresh cookie is sent only where its Path lets a browser
        send it (RFC 6265 §5.1.4), and a cookie scoped to one path names the endpoint."""
        candidates = self._candidates("refresh", REFRESH_PATHS)
        if not tokens.refresh_cookie:
            return candidates
        scope = tokens.cookie_path or "/"
        if scope != "/":
            candidates = [scope] + [p for p in candidates if p != scope]
        return [p for p in candidates if _path_matches(p, scope)]

    def _refresh(self, client: httpx.Client, token: str) -> httpx.Response | None:
        path, transport, field_name = self._refresh_spec
        kwargs: dict[str, Any]
        if transport == "json":
            kwargs = {"json": {field_name: token}}
        elif transport == "form":
            kwargs = {"data": {field_name: token}}
        elif transport == "bearer":
            kwargs = {"headers": {"Authorization": f"Bearer {token}"}}
        else:
            kwargs = {"headers": {"Cookie": f"{field_name}={token}"}}
        try:
            return client.post(path, **kwargs)
        except httpx.HTTPError:
            return None

    def _read_rotation(
        self,
        client: httpx.Client,
        path: str,
        transport: str,
        field_name: str,
        tokens: _Tokens,
        answer: httpx.Response,
        body: dict[str, Any],
    ) -> None:
        new = self._new_refresh(transport, field_name, answer, body)
        if new and new == tokens.refresh:
            # Tokens without jti or iat minted in the same second are byte-identical: ask again
            # once the second has turned before calling the re-set cookie an echo.
            time.sleep(1.05 - time.time() % 1)
            again = self._refresh(client, tokens.refresh)
            if again is not None and again.is_success:
                new = self._new_refresh(transport, field_name, again, _json(again) or {})
        rotates = bool(new) and new != tokens.refresh
        where = f"a new {field_name} cookie" if transport == "cookie" else "a new refresh token"
        note = (
            f"the refresh answer carries {where}"
            if rotates
            else "the refresh answer carries no new refresh token"
            + (" (it echoes the one sent)" if new else "")
        )
        self.result.set("refresh", "returns_new_refresh", rotates, note)
        if not rotates:
            self.result.set("capabilities", "rotation", False, note)
            return
        self._refresh_spec = (path, transport, field_name)
        # Replaying the spent token of this probe's own session shows whether it was retired
        # and whether the replay ended the session (reuse detection, RFC 9700 §4.14.2).
        replay = self._refresh(client, tokens.refresh)
        retired = replay is not None and not replay.is_success
        self.result.set(
            "capabilities",
            "rotation",
            retired,
            f"replaying the rotated-out refresh token answered "
            f"{replay.status_code if replay is not None else 'nothing'}",
        )
        if retired:
            after = self._refresh(client, new)
            detected = after is not None and not after.is_success
            self.result.set(
                "capabilities",
                "reuse_detection",
                detected,
                "after that replay the successor "
                + ("was refused too" if detected else "still refreshed"),
            )

    def _new_refresh(
        self, transport: str, field_name: str, answer: httpx.Response, body: Any
    ) -> str:
        if transport == "cookie":
            return _cookie(answer, field_name)
        if not isinstance(body, dict):
            return ""
        return next(
            (v for k, v in body.items() if "refresh" in k.lower() and isinstance(v, str)), ""
        )

    def _find_rejections(self, client: httpx.Client) -> None:
        # RFC 6750 §3.1: a bad token gets 401. Another 4xx the server answers to a garbage token
        # is written as tolerated (a NON-STRICT verdict): a server may answer 422 to garbage and
        # 401 to an expired token. With the key, an expired token shows whether that status is
        # the server's answer to every bad token (_probe_bad_token_status).
        tolerated: dict[int, str] = {}
        self._garbage_status = 0
        if self._protected:
            try:
                bad = client.get(self._protected, headers={"Authorization": "Bearer not.a.token"})
            except httpx.HTTPError:
                bad = None
            if bad is not None and 400 <= bad.status_code < 500 and bad.status_code != 401:
                tolerated[bad.status_code] = f"GET {self._protected} with a garbage token"
                self._garbage_status = bad.status_code
        if getattr(self, "_refresh_spec", ("",))[0]:
            bad_refresh = self._refresh(client, "not.a.token")
            status = bad_refresh.status_code if bad_refresh is not None else 0
            if 400 <= status < 500 and status != 401:
                tolerated.setdefault(status, "refresh with a garbage token")
        self.result.set("rejection", "statuses", [401], "RFC 6750 §3.1")
        self.result.set("rejection", "refresh", [401], "RFC 6750 §3.1")
        if tolerated:
            seen = "; ".join(f"{why} answered {status}" for status, why in tolerated.items())
            self.result.set(
                "rejection", "tolerated", sorted(tolerated), seen + " (NON-STRICT, not 401)"
            )
        path, encoding, user_field, pass_field = self._login_spec
        data = {user_field: self.username, pass_field: self.password + "-wrong"}
        try:
            if encoding == "json":
                wrong = client.post(path, json=data)
            else:
                wrong = client.post(path, data=data)
        except httpx.HTTPError:
            return
        if 400 <= wrong.status_code < 500:
            self.result.set(
                "rejection",
                "login",
                [wrong.status_code],
                f"a wrong password answered {wrong.status_code}",
            )

    def probe_with_key(self, key: str) -> None:
        """With the signing key (an HS* secret, or the PEM private key of an asymmetric
        algorithm): forge tokens to see which claims the server requires and which claim it
        finds its user by. Without the key these stay what the tokens suggest."""
        if not (self._protected and self.result.get("probe", "access_token", "")):
            return
        with self.client() as client:
            self._probe_required_claims(client, key)
            self._probe_subject(client, key)
            self._probe_bad_token_status(client, key)

    def _probe_bad_token_status(self, client: httpx.Client, key: str) -> None:
        """A garbage token got another 4xx than 401: when a validly signed but expired token
        gets the same, that status is the server's answer to any bad token, its own
        [rejection] statuses (as a team writes it), not a habit to tolerate."""
        status = self._garbage_status
        token = self.result.get("probe", "access_token", "")
        if not status:
            return
        hour_ago = int(time.time()) - 3600
        expired = self._forge(token, key, {"exp": hour_ago, "iat": hour_ago - 60, "nbf": None})
        if expired is None:
            return
        answer = client.get(self._protected, headers={"Authorization": f"Bearer {expired}"})
        if answer.status_code != status:
            return
        seen = (
            f"GET {self._protected} refused a garbage and an expired token alike with {status} "
            "(RFC 6750 §3.1 asks 401: move it to tolerated to have it reported NON-STRICT)"
        )
        self.result.set("rejection", "statuses", [status], seen)
        before = self.result.found.pop(("rejection", "tolerated"))
        tolerated = [s for s in before.value if s != status]
        if tolerated:
            self.result.set("rejection", "tolerated", tolerated, before.note)

    def _forge(self, token: str, key: str, changes: dict[str, Any]) -> str | None:
        """`token` re-signed with `key` and `changes` (None drops a claim); None when the key
        does not verify it (HS*) or the token is not a JWT."""
        import jwt as pyjwt

        algorithm = self.result.get("signing", "algorithm", "HS256")
        try:
            header = pyjwt.get_unverified_header(token)
            if algorithm.startswith("HS"):
                claims = pyjwt.decode(
                    token,
                    key,
                    algorithms=[algorithm],
                    options={"verify_exp": False, "verify_aud": False, "verify_iss": False},
                )
            else:  # the private key signs; the server's answer to the forgery is the test
                claims = pyjwt.decode(token, options={"verify_signature": False})
            for name, value in changes.items():
                if value is None:
                    claims.pop(name, None)
                else:
                    claims[name] = value
            headers = {k: v for k, v in header.items() if k != "alg"}
            return pyjwt.encode(claims, key, algorithm=algorithm, headers=headers)
        except (pyjwt.PyJWTError, ValueError, TypeError):
            return None

    def _probe_required_claims(self, client: httpx.Client, key: str) -> None:
        """The access token re-signed without each optional claim it carries, at the protected
        path: a refusal means the server requires that claim."""
        token = self.result.get("probe", "access_token", "")
        if self._forge(token, key, {}) is None:
            return
        required: list[str] = []
        for claim in self._optional_claims:
            forged = self._forge(token, key, {claim: None})
            if forged is None:
                return
            answer = client.get(self._protected, headers={"Authorization": f"Bearer {forged}"})
            if not answer.is_success:
                required.append(claim)
        accepted = [c for c in self._optional_claims if c not in required]
        note = "the access token re-signed without each claim: " + "; ".join(
            [f"refused without {', '.join(required)}"] * bool(required)
            + [f"accepted without {', '.join(accepted)}"] * bool(accepted)
        )
        self.result.set("claims", "required", required, note)

    def _probe_subject(self, client: httpx.Client, key: str) -> None:
        """When `sub` and another claim both name the user, the claim the server finds its user
        by is the one whose change to nobody it refuses: at the refresh endpoint first (where
        servers look the user up), else at the protected path."""
        chosen = self.result.get("claims", "subject", "")
        rivals = [c for c in getattr(self, "_login_name_claims", []) if c != chosen]
        decoded = decode_jwt(self.result.get("probe", "access_token", ""))
        if not chosen or not rivals or decoded is None:
            return
        issued = decoded[1]
        for where in ("refresh", "protected"):
            if where == "refresh" and not (
                getattr(self, "_refresh_spec", ("",))[0] and self._refresh_key_shared()
            ):
                continue
            if not self._subject_answer(client, key, where, {}):
                continue  # even an unchanged re-signed token is refused there: no evidence
            for claim in (chosen, *rivals):
                if self._subject_answer(
                    client, key, where, {claim: _nobody_like(issued.get(claim))}
                ):
                    continue
                others = ", ".join(c for c in (chosen, *rivals) if c != claim)
                self.result.set(
                    "claims",
                    "subject",
                    claim,
                    f"a {where} token re-signed with {claim} naming nobody was refused, with "
                    f"{others} changed accepted: the server finds its user by {claim}",
                )
                return
        self.result.remark(
            "claims",
            f"subject: the server accepted tokens re-signed with each of {chosen}, "
            f"{', '.join(rivals)} naming nobody; it looks no user up by them, {chosen} kept",
        )

    def _refresh_key_shared(self) -> bool:
        """The refresh token is a JWT signed with the access token's key (as far as is known)."""
        return self.result.get("claims", "kind_by") != "key" and getattr(
            self, "_refresh_is_jwt", False
        )

    def _subject_answer(
        self, client: httpx.Client, key: str, where: str, changes: dict[str, Any]
    ) -> bool:
        """Whether a fresh session's token, re-signed with `changes`, is accepted `where`."""
        tokens = self.fresh_login(client)
        if where == "refresh":
            forged = self._forge(tokens.refresh, key, changes)
            answer = None if forged is None else self._refresh(client, forged)
        else:
            forged = self._forge(tokens.access, key, changes)
            answer = (
                None
                if forged is None
                else client.get(self._protected, headers={"Authorization": f"Bearer {forged}"})
            )
        return answer is not None and answer.is_success

    def _logout_attempts(self) -> list[tuple[str, str, str, str]]:
        """(method, bearer, refresh carrier, field), the most complete request first: a server
        ignores what it does not need, and one that needs both refuses a partial call."""
        field_name = self.result.get("refresh", "field", self._refresh_key or "refresh_token")
        transport = self.result.get("refresh", "transport", "json")
        carrier = "cookie" if transport == "cookie" else "json"
        if transport == "bearer":
            return [("POST", "access", "none", ""), ("DELETE", "access", "none", "")]
        return [
            (method, bearer, refresh, name)
            for method in ("POST", "DELETE")
            for bearer, refresh, name in (
                ("access", carrier, field_name),
                ("none", carrier, field_name),
                ("access", "none", ""),
            )
        ]

    def _find_logout(self, client: httpx.Client) -> None:
        can_refresh = bool(getattr(self, "_refresh_spec", ("",))[0])
        for path in self._candidates("logout", LOGOUT_PATHS):
            partial: tuple[tuple[str, str, str, str], _Tokens, int] | None = None
            absent: set[str] = set()  # methods this path answered 404 or 405 to
            for attempt in self._logout_attempts():
                method, bearer, carrier, field_name = attempt
                if method in absent:
                    continue
                tokens = self.fresh_login(client)
                answer = self._logout(client, path, method, bearer, carrier, field_name, tokens)
                if answer is None:
                    break
                if answer.status_code in (404, 405):
                    absent.add(method)
                    continue
                if not answer.is_success:
                    continue
                refresh_survives = can_refresh and bool(
                    (after := self._refresh(client, tokens.refresh)) and after.is_success
                )
                if refresh_survives:
                    partial = partial or (attempt, tokens, answer.status_code)
                    continue
                self._read_logout_effect(client, tokens)
                needed = self._bearer_needed(client, path, attempt, can_refresh)
                self._record_logout(path, needed, answer.status_code)
                return
            if partial is not None:
                attempt, tokens, status = partial
                self._record_logout(path, attempt, status)
                self._read_logout_effect(client, tokens)
                self._second_logout_call(client, path, attempt[0], tokens)
                return
        self.result.missing.append("a logout endpoint (none answered 2xx to this session's tokens)")

    def _bearer_needed(
        self,
        client: httpx.Client,
        path: str,
        attempt: tuple[str, str, str, str],
        can_refresh: bool,
    ) -> tuple[str, str, str, str]:
        """The attempt tried first sends the access token too (a server ignores what it does
        not need); when the same call without it ends the session the same way, the logout
        takes no bearer, and the profile says what the server needs."""
        method, bearer, carrier, field_name = attempt
        if bearer != "access" or carrier == "none":
            return attempt
        tokens = self.fresh_login(client)
        answer = self._logout(client, path, method, "none", carrier, field_name, tokens)
        if answer is None or not answer.is_success:
            return attempt
        if can_refresh and (after := self._refresh(client, tokens.refresh)) and after.is_success:
            return attempt
        if self._protected:
            access = client.get(
                self._protected, headers={"Authorization": f"Bearer {tokens.access}"}
            )
            if access.is_success == self.result.get("capabilities", "logout_revokes_access"):
                return attempt  # with the bearer it also ended the access token: keep it
        return (method, "none", carrier, field_name)

    def _record_logout(self, path: str, attempt: tuple[str, str, str, str], status: int) -> None:
        method, bearer, carrier, field_name = attempt
        seen = f"{method} {path} answered {status}"
        request = {
            "method": Finding(method, seen),
            "path": Finding(path, seen),
            "bearer": Finding(bearer, seen),
            "refresh": Finding(carrier, seen),
        }
        if field_name and carrier != "none":
            request["field"] = Finding(field_name, seen)
        self.result.logout.append(request)

    def _second_logout_call(
        self, client: httpx.Client, path: str, method: str, tokens: _Tokens
    ) -> None:
        """The refresh token survived the logout: look for a second call made with it as the
        Bearer token (flask-jwt-extended's logout revokes only the token it is called with)."""
        second = self._logout(client, path, method, "refresh", "none", "", tokens)
        again = self._refresh(client, tokens.refresh) if second and second.is_success else None
        if second is not None and again is not None and not again.is_success:
            seen = f"{method} {path} with the refresh token as Bearer answered {second.status_code}"
            self.result.logout.append(
                {
                    "method": Finding(method, seen),
                    "path": Finding(path, seen),
                    "bearer": Finding("refresh", seen),
                    "refresh": Finding("none", seen),
                }
            )
            return
        self.result.missing.append("a logout call that revokes the refresh token")

    def _logout(
        self,
        client: httpx.Client,
        path: str,
        method: str,
        bearer: str,
        carrier: str,
        field_name: str,
        tokens: _Tokens,
    ) -> httpx.Response | None:
        headers: dict[str, str] = {}
        if bearer == "access":
            headers["Authorization"] = f"Bearer {tokens.access}"
        elif bearer == "refresh":
            headers["Authorization"] = f"Bearer {tokens.refresh}"
        kwargs: dict[str, Any] = {"headers": headers}
        if carrier == "json":
            kwargs["json"] = {field_name: tokens.refresh}
        elif carrier == "cookie":
            headers["Cookie"] = f"{field_name}={tokens.refresh}"
        try:
            return client.request(method, path, **kwargs)
        except httpx.HTTPError:
            return None

    def _read_logout_effect(self, client: httpx.Client, tokens: _Tokens) -> None:
        if not self._protected:
            return
        after = client.get(self._protected, headers={"Authorization": f"Bearer {tokens.access}"})
        self.result.set(
            "capabilities",
            "logout_revokes_access",
            not after.is_success,
            f"after logout the access token got {after.status_code} at {self._protected}",
        )

    def _find_clock(self, client: httpx.Client) -> None:
        try:
            now = _json(client.get(CLOCK_PATH))
        except httpx.HTTPError:
            now = None
        if isinstance(now, dict) and isinstance(now.get("now"), int | float):
            self.result.set("time", "mode", "clock", f"GET {CLOCK_PATH} answered a test clock")
            self.result.set("time", "clock_path", CLOCK_PATH, "the test-clock protocol")
            return
        self.result.set(
            "time", "mode", "forge", f"no test clock at {CLOCK_PATH}: expiry is tested by forging"
        )


def _cookie(answer: httpx.Response, name: str) -> str:
    """The value of a cookie the answer set; servers that scope one cookie to several paths
    (/refresh and /logout) set it once per path, with the same value."""
    return next((c.value or "" for c in answer.cookies.jar if c.name == name), "")


def _cookie_path(answer: httpx.Response, name: str) -> str:
    return next((c.path or "/" for c in answer.cookies.jar if c.name == name), "/")


def _path_matches(path: str, scope: str) -> bool:
    """RFC 6265 §5.1.4 path-match: would a cookie with Path `scope` be sent to `path`?"""
    if scope in ("", "/") or path == scope:
        return True
    return path.startswith(scope) and (scope.endswith("/") or path[len(scope)] == "/")


def _date(answer: httpx.Response) -> int | None:
    try:
        return int(parsedate_to_datetime(answer.headers.get("date", "")).timestamp())
    except (TypeError, ValueError):
        return None


def _audience(value: object) -> str:
    """aud as one string: a string, or an array holding exactly one (RFC 7519 §4.1.3)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    return ""


def _nobody_like(issued: object) -> object:
    """A value naming no user, of the issued value's JSON type (a value of another type could be
    refused for its type alone, which says nothing about the user lookup)."""
    if isinstance(issued, int) and not isinstance(issued, bool):
        return 10**9 + secrets.randbelow(10**6)
    return f"nobody-{secrets.token_hex(4)}"


def _usable_subject(value: object) -> bool:
    return (isinstance(value, str) and bool(value)) or (
        isinstance(value, int) and not isinstance(value, bool)
    )


def _json(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None
