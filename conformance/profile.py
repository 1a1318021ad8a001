"""Target profiles: one TOML file describes how to talk to a dual-token server and what it promises.

Every key is checked: an unknown key or a bad value raises `ProfileError` with a message that names
the section and the key, e.g. `profile error: [refresh] transport: expected one of json, form,
bearer, cookie, got 'xml'`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

from conformance.toml_profile import ProfileError, read_toml
from conformance.toml_profile import Table as _Table
from conformance.toml_profile import environment as _environment
from conformance.toml_profile import folder as _folder

__all__ = [
    "Capabilities",
    "Claims",
    "ClientAuth",
    "Credentials",
    "Hook",
    "KindBy",
    "LoginSpec",
    "LoginThrottleSpec",
    "LogoutRequest",
    "Profile",
    "ProfileError",
    "RateLimitSpec",
    "RefreshSpec",
    "RejectionSpec",
    "RestartSpec",
    "Signing",
    "TargetSpec",
    "TimeSpec",
    "TokenFormat",
    "default_profile_path",
    "load_profile",
    "parse_profile",
]

Encoding = Literal["json", "form"]
Transport = Literal["json", "form", "bearer", "cookie"]
TimeMode = Literal["freeze", "clock", "forge", "wait"]
BearerToken = Literal["access", "refresh", "none"]
RefreshCarrier = Literal["json", "form", "cookie", "none"]
ClientAuthMethod = Literal["basic", "body", "none"]
TokenFormat = Literal["jwt", "opaque"]
KindBy = Literal["claim", "header", "key", "audience"]

ENCODINGS: tuple[Encoding, ...] = ("json", "form")
TRANSPORTS: tuple[Transport, ...] = ("json", "form", "bearer", "cookie")
TIME_MODES: tuple[TimeMode, ...] = ("freeze", "clock", "forge", "wait")
BEARER_TOKENS: tuple[BearerToken, ...] = ("access", "refresh", "none")
REFRESH_CARRIERS: tuple[RefreshCarrier, ...] = ("json", "form", "cookie", "none")
CLIENT_AUTH_METHODS: tuple[ClientAuthMethod, ...] = ("basic", "body", "none")
TOKEN_FORMATS: tuple[TokenFormat, ...] = ("jwt", "opaque")
KINDS_BY: tuple[KindBy, ...] = ("claim", "header", "key", "audience")
HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
ASYMMETRIC_ALGORITHMS = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class TargetSpec:
    """Where the target is: a base URL, or an ASGI app imported in-process."""

    name: str = "target"
    base_url: str = ""
    app: str = ""
    app_factory: bool = False
    app_options: Mapping[str, Any] = field(default_factory=dict)
    timeout: float = 5.0
    health_path: str = ""
    # The suite starts the target itself: a shell command ({port} = a free port), the folder
    # it runs in (relative to the profile), extra environment, and how long it may take to answer.
    command: str = ""
    cwd: str = ""
    env: Mapping[str, str] = field(default_factory=dict)
    ready_timeout: float = 20.0

    @property
    def in_process(self) -> bool:
        return bool(self.app) and not self.base_url and not self.command


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class LoginSpec:
    path: str = "/login"
    encoding: Encoding = "json"
    username_field: str = "username"
    password_field: str = "password"
    access_token_field: str = "access_token"
    refresh_token_field: str = "refresh_token"
    expires_in_field: str = ""
    token_type_field: str = ""
    # Constant fields sent with every login ([login.fields]), e.g. grant_type = "password".
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RefreshSpec:
    path: str = "/refresh"
    transport: Transport = "json"
    # The body field (json/form transport) or the cookie name (cookie transport).
    field: str = "refresh_token"
    access_token_field: str = "access_token"
    refresh_token_field: str = "refresh_token"
    expires_in_field: str = ""
    returns_new_refresh: bool = False
    rotation_grace: int = 0
    # Constant fields sent with every refresh ([refresh.fields]), e.g. grant_type = "refresh_token".
    # (dataclasses.field: the attribute `field` above shadows the name in this class body.)
    fields: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # "opaque": the refresh token is a random string the server stores, not a JWT; cases that
    # must decode or forge one do not apply.
    token_format: TokenFormat = "jwt"

    @property
    def opaque(self) -> bool:
        return self.token_format == "opaque"


@dataclass(frozen=True)
class LogoutRequest:
    """One request of the logout sequence, and which tokens it carries."""

    method: str = "POST"
    path: str = "/logout"
    bearer: BearerToken = "access"
    refresh: RefreshCarrier = "none"
    field: str = "refresh_token"
    # Constant fields sent with this request, e.g. token_type_hint = "refresh_token" (RFC 7009).
    fields: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class ClientAuth:
    """The OAuth client's credentials (RFC 6749 §2.3.1), sent on the token, refresh and
    revocation requests: HTTP Basic, in the body, or only client_id in the body (`none`)."""

    id: str = ""
    secret: str = ""
    auth: ClientAuthMethod = "none"


@dataclass(frozen=True)
class Signing:
    """What the suite needs to forge tokens the target would accept."""

    algorithm: str = "HS256"
    secret: str = ""
    private_key: str = ""
    public_key: str = ""
    # A JWKS document the target publishes (absolute URL, or a path on the target): the public
    # key(s) for attacks that need no secret (algorithm confusion, alg none, embedded jwk).
    jwks_url: str = ""

    @property
    def symmetric(self) -> bool:
        return self.algorithm in HMAC_ALGORITHMS

    @property
    def can_forge(self) -> bool:
        return bool(self.secret) if self.symmetric else bool(self.private_key)


@dataclass(frozen=True)
class Claims:
    subject: str = "sub"
    # How access and refresh tokens are told apart: "claim" (payload claim `type` holds
    # access_type/refresh_type, the seed design), "header" (the JOSE header's `typ` holds them,
    # RFC 9068 `at+jwt`), "key" (different signing keys, no marker) or "audience" (`aud` is
    # access_audience or refresh_audience).
    kind_by: KindBy = "claim"
    type: str = "type"
    access_type: str = "access"
    refresh_type: str = "refresh"
    access_audience: str = ""
    refresh_audience: str = ""
    required: tuple[str, ...] = ()
    issuer: str = ""
    audience: str = ""

    @property
    def marked(self) -> bool:
        """Whether a token carries a readable kind marker (claim, header or audience)."""
        return self.kind_by != "key"


@dataclass(frozen=True)
class Lifetimes:
    access: int = 900
    refresh: int = 604_800
    leeway: int = 0


@dataclass(frozen=True)
class TimeSpec:
    mode: TimeMode = "forge"
    clock_path: str = "/__test__/clock"
    # wait mode: the longest real sleep one case may take, in seconds.
    max_wait: float = 5.0


@dataclass(frozen=True)
class RejectionSpec:
    """The statuses the target refuses with, per situation: a correct refusal with one of them
    passes; a refusal with another 4xx is NON-STRICT (the requirement holds, the habit differs),
    `tolerated` ones included (listing them only says the team knows)."""

    # A bad token at a protected path.
    statuses: tuple[int, ...] = (401,)
    tolerated: tuple[int, ...] = ()
    # The refresh endpoint refusing a refresh token; the login endpoint refusing credentials.
    refresh: tuple[int, ...] = (401,)
    login: tuple[int, ...] = (401,)
    # RFC 6749 §5.2: a 400 whose JSON `error` is one of the standard codes refuses a token or
    # refresh request; RFC 6750 §3.1: a 400 invalid_request refuses a malformed bearer header.
    oauth_errors: bool = False
    # No token at all at a protected path (defaults to `statuses`).
    missing: tuple[int, ...] = (401,)
    # A valid token whose user no longer exists, in addition to the endpoint's own statuses
    # (some servers answer 404 from the user lookup).
    user_gone: tuple[int, ...] = ()


# Capabilities a profile can declare absent with an explicit `false`: the cases that need one
# are then DECLARED (a finding the team told us about), not skipped as "does not apply".
DECLARABLE_CAPABILITIES = (
    "logout",
    "logout_revokes_access",
    "rotation",
    "reuse_detection",
    "rate_limit",
    "persistence",
    # A login throttle (THROTTLE-LOGIN-01); its limit and window are the [login_throttle] table.
    "login_throttle",
)


@dataclass(frozen=True)
class Capabilities:
    rotation: bool = False
    reuse_detection: bool = False
    logout_revokes_access: bool = False
    rate_limit: bool = False
    persistence: bool = False
    workers: int = 1
    # The capabilities written as `false` (not merely left out).
    declared_absent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RateLimitSpec:
    # At most `limit` refreshes from one client within `window` seconds; more get 429.
    limit: int = 0
    window: float = 60.0
    # Whether the profile gave the window: only then can time modes that cannot move the
    # target's clock (forge, wait) wait it out for real.
    window_declared: bool = False


@dataclass(frozen=True)
class LoginThrottleSpec:
    # At most `limit` failed logins from one client within `window` seconds; more are throttled.
    limit: int = 0
    window: float = 60.0


@dataclass(frozen=True)
class Hook:
    """A shell command, or one request written as `METHOD /path` ({username} is substituted)."""

    command: str = ""
    request: str = ""

    @property
    def request_method(self) -> str:
        return self.request.split(" ", 1)[0]

    @property
    def request_path(self) -> str:
        return self.request.split(" ", 1)[1].strip()


@dataclass(frozen=True)
class RestartSpec:
    """How to restart the target; in-process factory targets are rebuilt instead."""

    command: str = ""
    ready_timeout: float = 20.0


@dataclass(frozen=True)
class Profile:
    target: TargetSpec
    credentials: Credentials
    login: LoginSpec
    refresh: RefreshSpec
    logout: tuple[LogoutRequest, ...]
    protected_paths: tuple[str, ...]
    public_paths: tuple[str, ...]
    signing: Signing
    claims: Claims
    lifetimes: Lifetimes
    time: TimeSpec
    rejection: RejectionSpec
    capabilities: Capabilities
    rate_limit: RateLimitSpec
    client: ClientAuth = field(default_factory=ClientAuth)
    login_throttle: LoginThrottleSpec = field(default_factory=LoginThrottleSpec)
    # The refresh token's key when it differs from the access token's ([signing.refresh]).
    refresh_signing: Signing | None = None
    disable_user: Hook | None = None
    enable_user: Hook | None = None
    restart: RestartSpec | None = None
    source: str = "<string>"

    @property
    def cookie_transport(self) -> bool:
        return self.refresh.transport == "cookie"

    @property
    def refresh_key(self) -> Signing:
        """The key refresh tokens are signed with: [signing.refresh], else [signing]."""
        return self.refresh_signing or self.signing

    @property
    def can_restart(self) -> bool:
        if self.target.command or (self.restart is not None and self.restart.command):
            return True
        return self.target.in_process and self.target.app_factory

    def with_base_url(self, base_url: str) -> Profile:
        """The same profile pointed at a running server instead of an in-process app (or of a
        server the suite would start itself: a running one is used as it is)."""
        target = replace(self.target, base_url=base_url.rstrip("/"), command="")
        return replace(self, target=target)


def _hook(root: _Table, name: str) -> Hook | None:
    if not root.has(name):
        root._get(name)
        return None
    table = root.table(name)
    hook = Hook(command=table.text("command", ""), request=table.text("request", ""))
    table.done()
    if bool(hook.command) == bool(hook.request):
        raise ProfileError(f"profile error: [{name}]: give exactly one of command or request")
    if hook.request:
        parts = hook.request.split(" ", 1)
        if len(parts) != 2 or parts[0] not in HTTP_METHODS or not parts[1].strip().startswith("/"):
            raise ProfileError(
                f"profile error: [{name}] request: expected 'METHOD /path', got {hook.request!r}"
            )
    return hook


def _read_key_file(table: _Table, key: str, base_dir: Path) -> str:
    name = table.text(key, "")
    if not name:
        return ""
    path = Path(name) if Path(name).is_absolute() else base_dir / name
    try:
        return path.read_text()
    except OSError as exc:
        raise ProfileError(
            f"profile error: [{table.name}] {key}: cannot read {path}: {exc.strerror}"
        ) from None


def parse_profile(
    data: Mapping[str, object], *, source: str = "<string>", base_dir: Path | None = None
) -> Profile:
    """Build a checked Profile from parsed TOML; relative key files resolve against base_dir."""
    base = base_dir or Path.cwd()
    root = _Table(dict(data), "")

    target_table = root.table("target")
    target = TargetSpec(
        name=target_table.text("name", "target"),
        base_url=target_table.text("base_url", "").rstrip("/"),
        app=target_table.text("app", ""),
        app_factory=target_table.flag("app_factory", False),
        app_options=target_table.mapping("app_options"),
        timeout=target_table.number("timeout", 5.0, minimum=0.1),
        health_path=target_table.path("health_path", ""),
        command=target_table.text("command", ""),
        cwd=_folder(target_table, "cwd", base),
        env=_environment(target_table, "env"),
        ready_timeout=target_table.number("ready_timeout", 20.0, minimum=0.1),
    )
    target_table.done()
    if target.command and target.app:
        raise ProfileError(
            "profile error: [target] command: give command (the suite starts the server) or "
            "app (an in-process ASGI app), not both"
        )
    if (target.cwd or target.env) and not target.command:
        key = "cwd" if target.cwd else "env"
        raise ProfileError(f"profile error: [target] {key}: only used with [target] command")
    if target.command and target.base_url and "{port}" not in target.base_url:
        raise ProfileError(
            "profile error: [target] base_url: with a command, write the port as {port} "
            f"(the suite picks a free one), e.g. http://127.0.0.1:{{port}}, got {target.base_url!r}"
        )
    if not target.base_url and not target.app and not target.command:
        raise ProfileError("profile error: [target]: give base_url, app (module:attr) or command")
    if target.base_url and not target.base_url.startswith(("http://", "https://")):
        raise ProfileError(
            f"profile error: [target] base_url: expected an http:// or https:// URL, "
            f"got {target.base_url!r}"
        )
    if target.app and ":" not in target.app:
        raise ProfileError(
            f"profile error: [target] app: expected 'module:attr', got {target.app!r}"
        )

    cred_table = root.table("credentials")
    credentials = Credentials(cred_table.text("username"), cred_table.text("password"))
    cred_table.done()

    login_table = root.table("login")
    login = LoginSpec(
        path=login_table.path("path", "/login"),
        encoding=cast(Encoding, login_table.text("encoding", "json", choices=ENCODINGS)),
        username_field=login_table.text("username_field", "username"),
        password_field=login_table.text("password_field", "password"),
        access_token_field=login_table.text("access_token_field", "access_token"),
        refresh_token_field=login_table.text("refresh_token_field", "refresh_token"),
        expires_in_field=login_table.text("expires_in_field", ""),
        token_type_field=login_table.text("token_type_field", ""),
        fields=login_table.fields(),
    )
    login_table.done()

    refresh_table = root.table("refresh")
    refresh = RefreshSpec(
        path=refresh_table.path("path", "/refresh"),
        transport=cast(Transport, refresh_table.text("transport", "json", choices=TRANSPORTS)),
        field=refresh_table.text("field", "refresh_token"),
        access_token_field=refresh_table.text("access_token_field", login.access_token_field),
        refresh_token_field=refresh_table.text("refresh_token_field", login.refresh_token_field),
        expires_in_field=refresh_table.text("expires_in_field", login.expires_in_field),
        returns_new_refresh=refresh_table.flag("returns_new_refresh", False),
        rotation_grace=refresh_table.integer("rotation_grace", 0),
        fields=refresh_table.fields(),
        token_format=cast(
            TokenFormat, refresh_table.text("token_format", "jwt", choices=TOKEN_FORMATS)
        ),
    )
    refresh_table.done()
    if refresh.fields and refresh.transport not in ("json", "form"):
        raise ProfileError(
            "profile error: [refresh.fields]: constant fields need a body "
            f"([refresh] transport json or form, not {refresh.transport})"
        )

    logout = _parse_logout(root)

    paths_table = root.table("paths")
    protected = paths_table.strings("protected")
    public = paths_table.strings("public")
    paths_table.done()
    if not protected:
        raise ProfileError("profile error: [paths] protected: give at least one protected path")
    for key, paths in (("protected", protected), ("public", public)):
        for path in paths:
            if not path.startswith("/"):
                raise ProfileError(
                    f"profile error: [paths] {key}: expected paths starting with '/', got {path!r}"
                )

    signing, refresh_signing = _parse_signing(root, base)
    if refresh.opaque and refresh_signing is not None:
        raise ProfileError(
            'profile error: [signing.refresh]: [refresh] token_format = "opaque" says refresh '
            "tokens are not JWTs, so they have no signing key; remove [signing.refresh]"
        )
    claims = _parse_claims(root)
    if claims.kind_by == "key" and refresh_signing is not None and refresh_signing == signing:
        raise ProfileError(
            'profile error: [signing.refresh]: kind_by = "key" says access and refresh tokens '
            "are signed with different keys, but [signing.refresh] repeats the [signing] key"
        )

    lifetime_table = root.table("lifetimes")
    lifetimes = Lifetimes(
        access=lifetime_table.integer("access", 900, minimum=1),
        refresh=lifetime_table.integer("refresh", 604_800, minimum=1),
        leeway=lifetime_table.integer("leeway", 0),
    )
    lifetime_table.done()

    time_table = root.table("time")
    time = TimeSpec(
        mode=cast(TimeMode, time_table.text("mode", "forge", choices=TIME_MODES)),
        clock_path=time_table.path("clock_path", "/__test__/clock"),
        max_wait=time_table.number("max_wait", 5.0),
    )
    time_table.done()
    if time.mode == "freeze" and not target.in_process:
        raise ProfileError(
            "profile error: [time] mode: 'freeze' needs an in-process target ([target] app "
            "without base_url); use 'clock', 'forge' or 'wait' for a server over HTTP"
        )

    rejection_table = root.table("rejection")
    statuses = rejection_table.statuses("statuses", (401,))
    rejection = RejectionSpec(
        statuses=statuses,
        tolerated=rejection_table.statuses("tolerated", ()),
        refresh=rejection_table.statuses("refresh", statuses),
        login=rejection_table.statuses("login", statuses),
        oauth_errors=rejection_table.flag("oauth_errors", False),
        missing=rejection_table.statuses("missing", statuses),
        user_gone=rejection_table.statuses("user_gone", ()),
    )
    rejection_table.done()
    if not rejection.statuses:
        raise ProfileError("profile error: [rejection] statuses: give at least one status")

    caps_table = root.table("capabilities")
    capabilities = Capabilities(
        rotation=caps_table.flag("rotation", False),
        reuse_detection=caps_table.flag("reuse_detection", False),
        logout_revokes_access=caps_table.flag("logout_revokes_access", False),
        rate_limit=caps_table.flag("rate_limit", False),
        persistence=caps_table.flag("persistence", False),
        workers=caps_table.integer("workers", 1, minimum=1),
        declared_absent=frozenset(
            name for name in DECLARABLE_CAPABILITIES if caps_table.data.get(name) is False
        ),
    )
    has_logout = caps_table.flag("logout", True)
    caps_table.flag("login_throttle", True)  # only its explicit `false` matters (declared_absent)
    caps_table.done()
    if not has_logout and logout:
        raise ProfileError(
            "profile error: [capabilities] logout: false says the target has no logout, but the "
            "profile declares [[logout]] requests"
        )
    if capabilities.rotation and not refresh.returns_new_refresh:
        raise ProfileError(
            "profile error: [capabilities] rotation: needs [refresh] returns_new_refresh = true"
        )
    if capabilities.reuse_detection and not capabilities.rotation:
        raise ProfileError("profile error: [capabilities] reuse_detection: needs rotation = true")

    rate_table = root.table("rate_limit")
    rate_limit = RateLimitSpec(
        limit=rate_table.integer("limit", 0),
        window=rate_table.number("window", 60.0, minimum=0.001),
        window_declared=rate_table.has("window"),
    )
    rate_table.done()
    throttle_table = root.table("login_throttle")
    login_throttle = LoginThrottleSpec(
        limit=throttle_table.integer("limit", 0),
        window=throttle_table.number("window", 60.0, minimum=0.001),
    )
    throttle_table.done()
    if throttle_table.has("window") and login_throttle.limit < 1:
        raise ProfileError("profile error: [login_throttle] limit: give a limit >= 1")
    client = _parse_client(root, refresh)
    if capabilities.rate_limit and rate_limit.limit < 1:
        raise ProfileError(
            "profile error: [rate_limit] limit: capabilities.rate_limit needs a limit >= 1"
        )

    disable_user = _hook(root, "disable_user")
    enable_user = _hook(root, "enable_user")
    if (disable_user is None) != (enable_user is None):
        raise ProfileError("profile error: [disable_user]: give both disable_user and enable_user")

    restart: RestartSpec | None = None
    if root.has("restart"):
        restart_table = root.table("restart")
        restart = RestartSpec(
            command=restart_table.text("command"),
            ready_timeout=restart_table.number("ready_timeout", 20.0, minimum=0.1),
        )
        restart_table.done()
    else:
        root._get("restart")
    if (
        capabilities.persistence
        and restart is None
        and not target.command
        and not (target.in_process and target.app_factory)
    ):
        raise ProfileError(
            "profile error: [capabilities] persistence: needs a [restart] command "
            "(or a [target] command, or an in-process app factory, which is rebuilt)"
        )

    root.done()
    return Profile(
        target=target,
        credentials=credentials,
        login=login,
        refresh=refresh,
        logout=logout,
        protected_paths=protected,
        public_paths=public,
        signing=signing,
        claims=claims,
        lifetimes=lifetimes,
        time=time,
        rejection=rejection,
        capabilities=capabilities,
        rate_limit=rate_limit,
        client=client,
        login_throttle=login_throttle,
        refresh_signing=refresh_signing,
        disable_user=disable_user,
        enable_user=enable_user,
        restart=restart,
        source=source,
    )


def _parse_logout(root: _Table) -> tuple[LogoutRequest, ...]:
    raw = root._get("logout")
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    requests: list[LogoutRequest] = []
    for index, item in enumerate(items):
        table = _Table(item, f"logout.{index}" if isinstance(raw, list) else "logout")
        requests.append(
            LogoutRequest(
                method=table.text("method", "POST", choices=HTTP_METHODS),
                path=table.path("path", "/logout"),
                bearer=cast(BearerToken, table.text("bearer", "access", choices=BEARER_TOKENS)),
                refresh=cast(
                    RefreshCarrier, table.text("refresh", "none", choices=REFRESH_CARRIERS)
                ),
                field=table.text("field", "refresh_token"),
                fields=table.fields(),
            )
        )
        table.done()
        if requests[-1].fields and requests[-1].refresh not in ("json", "form"):
            raise ProfileError(
                f"profile error: [{table.name}] fields: constant fields need a body "
                "(refresh = json or form)"
            )
    return tuple(requests)


def _parse_client(root: _Table, refresh: RefreshSpec) -> ClientAuth:
    table = root.table("client")
    client = ClientAuth(
        id=table.text("id", ""),
        secret=table.text("secret", ""),
        auth=cast(ClientAuthMethod, table.text("auth", "none", choices=CLIENT_AUTH_METHODS)),
    )
    table.done()
    if client.auth != "none" and not client.id:
        raise ProfileError(f"profile error: [client] id: auth = {client.auth!r} needs a client id")
    if client.auth == "basic" and refresh.transport == "bearer":
        raise ProfileError(
            "profile error: [client] auth: 'basic' uses the Authorization header, which "
            "[refresh] transport = 'bearer' needs for the refresh token; use auth = 'body'"
        )
    return client


def _parse_signing(root: _Table, base: Path) -> tuple[Signing, Signing | None]:
    """[signing] (access tokens) and the optional [signing.refresh] subtable (refresh tokens)."""
    table = root.table("signing")
    refresh: Signing | None = None
    if table.has("refresh"):
        refresh_table = table.table("refresh")
        refresh = _parse_key(refresh_table, base)
        refresh_table.done()
    else:
        table._get("refresh")
    signing = _parse_key(table, base)
    table.done()
    return signing, refresh


def _parse_key(table: _Table, base: Path) -> Signing:
    section = table.name
    algorithm = table.text("algorithm", "HS256", choices=HMAC_ALGORITHMS + ASYMMETRIC_ALGORITHMS)
    secret = table.text("secret", "")
    secret_env = table.text("secret_env", "")
    if secret and secret_env:
        raise ProfileError(
            f"profile error: [{section}] secret_env: give secret or secret_env, not both"
        )
    if secret_env:
        secret = os.environ.get(secret_env, "")
        if not secret:
            raise ProfileError(
                f"profile error: [{section}] secret_env: environment variable {secret_env} "
                "is not set"
            )
    signing = Signing(
        algorithm=algorithm,
        secret=secret,
        private_key=_read_key_file(table, "private_key_file", base),
        public_key=_read_key_file(table, "public_key_file", base),
        jwks_url=table.text("jwks_url", ""),
    )
    if signing.jwks_url and not signing.jwks_url.startswith(("/", "http://", "https://")):
        raise ProfileError(
            f"profile error: [{section}] jwks_url: expected an http(s) URL or a path starting "
            f"with '/', got {signing.jwks_url!r}"
        )
    if signing.jwks_url and signing.symmetric:
        raise ProfileError(
            f"profile error: [{section}] jwks_url: {algorithm} is an HMAC algorithm, which has "
            "no public key"
        )
    if signing.symmetric and (signing.private_key or signing.public_key):
        raise ProfileError(
            f"profile error: [{section}] private_key_file: {algorithm} is an HMAC algorithm; "
            "give secret or secret_env"
        )
    if not signing.symmetric and signing.secret:
        raise ProfileError(
            f"profile error: [{section}] secret: {algorithm} is asymmetric; give private_key_file"
        )
    return signing


def _parse_claims(root: _Table) -> Claims:
    table = root.table("claims")
    kind_by = cast(KindBy, table.text("kind_by", "claim", choices=KINDS_BY))
    default_types = ("at+jwt", "rt+jwt") if kind_by == "header" else ("access", "refresh")
    claims = Claims(
        subject=_name(table, "subject", "sub"),
        kind_by=kind_by,
        type=_name(table, "type", "type"),
        access_type=_name(table, "access_type", default_types[0]),
        refresh_type=_name(table, "refresh_type", default_types[1]),
        access_audience=table.text("access_audience", ""),
        refresh_audience=table.text("refresh_audience", ""),
        required=table.strings("required"),
        issuer=table.text("issuer", ""),
        audience=table.text("audience", ""),
    )
    table.done()
    if kind_by in ("claim", "header") and claims.access_type == claims.refresh_type:
        raise ProfileError("profile error: [claims] refresh_type: must differ from access_type")
    if kind_by == "audience":
        for key in ("access_audience", "refresh_audience"):
            if not getattr(claims, key):
                raise ProfileError(
                    f'profile error: [claims] {key}: kind_by = "audience" needs the aud value '
                    "of each kind (access_audience and refresh_audience)"
                )
        if claims.access_audience == claims.refresh_audience:
            raise ProfileError(
                "profile error: [claims] refresh_audience: must differ from access_audience"
            )
    elif claims.access_audience or claims.refresh_audience:
        key = "access_audience" if claims.access_audience else "refresh_audience"
        raise ProfileError(f'profile error: [claims] {key}: only used with kind_by = "audience"')
    return claims


def _name(table: _Table, key: str, default: str) -> str:
    """A claim name or value that cannot be empty: an empty one would forge a claim named ''."""
    value = table.text(key, default)
    if not value.strip():
        hint = (
            ' (tokens told apart by key or audience, not a claim? set kind_by = "key" or '
            '"audience")'
            if key in ("type", "access_type", "refresh_type")
            else ""
        )
        raise ProfileError(f"profile error: [{table.name}] {key}: must not be empty{hint}")
    return value


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile file."""
    file = Path(path)
    return parse_profile(read_toml(file), source=str(file), base_dir=file.parent)


def default_profile_path() -> Path:
    """The packaged profile of the embedded reference server."""
    return Path(str(resources.files("conformance") / "profiles" / "reference.toml"))
