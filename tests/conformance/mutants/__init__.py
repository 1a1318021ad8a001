"""Faulty servers: the reference server with exactly one rule broken, each a proof target.

Every conformance case must be caught failing by at least one of these (tests/conformance/
test_mutants.py asserts which case IDs FAIL for each, and that the rest still pass). A mutant
is built from reference parts with one swapped: a `TokenFaults` flag (tokens.py), an
AuthService, store or user-directory subclass (rules.py), an ASGI wrapper that edits requests
or answers (http.py), or a pool of workers (workers.py). `variant` names the reference profile
it runs against (profiles.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from conformance.catalogue import CATALOGUE, Case
from conformance.profile import Profile
from reference_server.app import build_services, create_app, token_options
from reference_server.auth import AuthService
from reference_server.config import Settings
from reference_server.deps import Services
from reference_server.login_throttle import LoginThrottle
from reference_server.store import MemoryStore, TokenStore
from reference_server.tokens import TokenService
from reference_server.users import DEMO_HASHER, DEMO_PASSWORD, DEMO_USERNAME, UserDirectory
from tests.conformance.mutants import cookies, http, rules, workers
from tests.conformance.mutants.profiles import Variant, variant_profile
from tests.conformance.mutants.tokens import FaultyTokens, TokenFaults

__all__ = ["BY_NAME", "CONTROLS", "MUTANTS", "Mutant"]

# The paths whose answers carry tokens (and set the refresh cookie).
TOKEN_PATHS = frozenset({"/login", "/refresh"})

AuthClass = type[AuthService]
UsersClass = type[UserDirectory]
Build = Callable[[Settings], ASGIApp]


def _users(cls: UsersClass) -> UserDirectory:
    """The embedded server's users (the dev-mode demo user), in a faulty directory class."""
    users = cls(DEMO_HASHER)
    users.put(DEMO_USERNAME, password=DEMO_PASSWORD)
    return users


def _services(
    settings: Settings,
    *,
    token_faults: TokenFaults | None = None,
    auth_class: AuthClass = AuthService,
    store: TokenStore | None = None,
    users: UserDirectory | None = None,
) -> Services:
    tokens = None
    if token_faults is not None:
        tokens = FaultyTokens(token_faults, **token_options(settings))
    services = build_services(settings, tokens=tokens, store=store, users=users)
    if auth_class is not AuthService:
        auth = auth_class(
            tokens=services.auth.tokens,
            store=services.store,
            users=services.users,
            rotation=settings.rotation,
            rotation_grace=settings.rotation_grace,
        )
        services = dataclasses.replace(services, auth=auth)
    return services


def _tokens(faults: TokenFaults) -> Build:
    return lambda s: create_app(s, services=_services(s, token_faults=faults))


def _auth(cls: AuthClass, users: UsersClass | None = None) -> Build:
    def build(s: Settings) -> ASGIApp:
        directory = _users(users) if users is not None else None
        return create_app(s, services=_services(s, auth_class=cls, users=directory))

    return build


def _users_class(cls: UsersClass) -> Build:
    return lambda s: create_app(s, services=_services(s, users=_users(cls)))


def _store(factory: Callable[[], TokenStore]) -> Build:
    return lambda s: create_app(s, services=_services(s, store=factory()))


def _wrapped(wrap: Callable[[FastAPI], ASGIApp], inner: Build | None = None) -> Build:
    def build(s: Settings) -> ASGIApp:
        app = inner(s) if inner is not None else create_app(s)
        assert isinstance(app, FastAPI)
        return wrap(app)

    return build


def _crash(when: http.RequestTest) -> Build:
    return _wrapped(lambda app: http.crash(app, when))


def _rewrite(**options: Any) -> Build:
    return _wrapped(lambda app: http.RewriteResponse(app, **options))


def _edit(edit: http.RequestEdit) -> Build:
    return _wrapped(lambda app: http.EditRequest(app, edit))


def _json(path: str, edit: http.JSONEdit) -> Build:
    return _wrapped(lambda app: http.RewriteJSON(app, path, edit))


def _token_json(edit: http.JSONEdit) -> Build:
    """`edit` applied to the JSON answers of both token paths."""
    return _wrapped(
        lambda app: http.RewriteJSON(http.RewriteJSON(app, "/login", edit), "/refresh", edit)
    )


def _unknown_login_user(app: FastAPI) -> http.RequestTest:
    users: UserDirectory = app.state.services.users

    def unknown(_: Any, body: bytes) -> bool:
        data = http.json_or_none(body)
        name = data.get("username") if isinstance(data, dict) else None
        return isinstance(name, str) and users.get(name) is None

    return http.on("POST", "/login", unknown)


def _cookie_token_in_body(body: dict[str, Any], headers: http.Headers) -> dict[str, Any]:
    for key, value in headers:
        if key.lower() == b"set-cookie" and value.startswith(b"refresh_token="):
            token = value.split(b";")[0].partition(b"=")[2].decode()
            if token:
                return {**body, "refresh_token": token}
    return body


# The seed design's own key (SECRET_KEY = "your-secret-key").
PLACEHOLDER_SECRET = "your-secret-key"


def _keyed(secret: str) -> Build:
    """The reference server signing with `secret`, which its settings would refuse (dev mode
    swaps a placeholder for the dev secret), so the token service gets it directly."""

    def build(s: Settings) -> ASGIApp:
        tokens = TokenService(**{**token_options(s), "key": secret})
        return create_app(s, services=build_services(s, tokens=tokens))

    return build


def _declared_secret(secret: str) -> Callable[[Profile], Profile]:
    """The profile gives the key honestly, so the forging cases still run."""
    return lambda p: dataclasses.replace(p, signing=dataclasses.replace(p.signing, secret=secret))


def _declared_access(seconds: int) -> Callable[[Profile], Profile]:
    return lambda p: dataclasses.replace(
        p, lifetimes=dataclasses.replace(p.lifetimes, access=seconds)
    )


def _reuse_last(target: str) -> Callable[[Sequence[Case]], list[Case]]:
    """For a fault that lasts the rest of the run (an account locked by reuse detection): leave
    out the families whose cases trigger reuse, and run `target`, which does, last."""
    families = ("rotation", "concurrency", "persistence")

    def select(catalogue: Sequence[Case]) -> list[Case]:
        kept = [case for case in catalogue if case.family not in families]
        return [*kept, *(case for case in catalogue if case.id == target)]

    return select


def _without_logout(catalogue: Sequence[Case]) -> list[Case]:
    """For identical same-second sessions: one case's logout would revoke the sessions of every
    later case in that (frozen) second, whose setup steps would then fail; so no logouts."""
    return [case for case in catalogue if "logout" not in case.needs]


def _expires_in_minutes(body: dict[str, Any], _: http.Headers) -> dict[str, Any]:
    if isinstance(body.get("expires_in"), int):
        return {**body, "expires_in": body["expires_in"] // 60}
    return body


@dataclass(frozen=True)
class Mutant:
    name: str
    fault: str
    build: Build
    variant: Variant = "default"
    settings: dict[str, object] = field(default_factory=dict)
    # The facts the mutant's server declares honestly, on top of the variant's profile.
    declare: Callable[[Profile], Profile] | None = None
    # The cases to run, when not the whole catalogue (see _reuse_last).
    select: Callable[[Sequence[Case]], list[Case]] | None = None

    def app(self, settings: Settings) -> ASGIApp:
        if self.settings:
            settings = settings.model_copy(update=self.settings)
        return self.build(settings)

    def profile(self, tmp: Path) -> Profile:
        profile = variant_profile(self.variant, tmp)
        return self.declare(profile) if self.declare is not None else profile

    def cases(self) -> list[Case]:
        return self.select(CATALOGUE) if self.select is not None else list(CATALOGUE)


MUTANTS: tuple[Mutant, ...] = (
    # --- login -------------------------------------------------------------------------------
    Mutant(
        "one-token-for-both",
        "login hands out one long-lived token as both access and refresh token",
        _auth(rules.OneTokenForBoth),
    ),
    Mutant(
        "login-access-stale-key",
        "login signs the access token with a rotated-out key",
        _auth(rules.StaleKeyAtLogin),
    ),
    Mutant(
        "password-not-checked",
        "any password logs an existing user in",
        _users_class(rules.PasswordNotChecked),
    ),
    Mutant(
        "unknown-user-falls-back",
        "an unknown username is checked against the first user's password",
        _users_class(rules.UnknownUserFallsBack),
    ),
    Mutant(
        "password-normalised",
        "passwords are trimmed and lower-cased before the check",
        _users_class(rules.PasswordNormalised),
    ),
    Mutant(
        "empty-password-binds",
        "an empty password logs in (an anonymous bind)",
        _wrapped(
            lambda app: http.EditRequest(app, http.empty_password_marked(rules.EMPTY_PASSWORD)),
            _users_class(rules.EmptyPasswordBinds),
        ),
    ),
    Mutant(
        "user-enumeration",
        "an unknown username gets its own answer",
        _wrapped(
            lambda app: http.ShortCircuit(
                app,
                _unknown_login_user(app),
                status=401,
                body=b'{"detail":"Unknown user"}',
                headers=[(b"content-type", b"application/json")],
            )
        ),
    ),
    Mutant(
        "login-by-get",
        "GET /login with credentials in the query string logs in",
        _edit(http.login_from_query),
    ),
    Mutant(
        "token-response-cached",
        "token responses without Cache-Control: no-store",
        _rewrite(headers=http.drop_header(b"cache-control")),
    ),
    Mutant(
        "no-pragma",
        "token responses without Pragma: no-cache",
        _rewrite(headers=http.drop_header(b"pragma")),
    ),
    Mutant(
        "token-type-jwt",
        'the token response says token_type "JWT"',
        _json("/login", lambda body, _: {**body, "token_type": "JWT"}),
    ),
    Mutant(
        "disabled-user-logs-in",
        "login checks the password but not the disabled flag",
        _users_class(rules.DisabledUsersLogIn),
    ),
    # --- bearer header -------------------------------------------------------------------------
    Mutant(
        "anonymous-access",
        "a request without Authorization is served as a guest",
        _wrapped(
            lambda app: http.ShortCircuit(
                app,
                http.on("GET", "/protected", http.no_authorization),
                status=200,
                body=b'{"message":"Hello guest"}',
                headers=[(b"content-type", b"application/json")],
            )
        ),
    ),
    Mutant(
        "forbidden-not-unauthorized",
        "403 instead of 401 for a refused token",
        _rewrite(status_map={401: 403}),
    ),
    Mutant(
        "no-www-authenticate",
        "401 without WWW-Authenticate",
        _rewrite(headers=http.drop_header(b"www-authenticate")),
    ),
    Mutant(
        "challenge-always-has-error",
        "the challenge names an error even when no credentials were sent",
        _rewrite(headers=http.challenge_always_has_error),
    ),
    Mutant("any-scheme", "Basic <jwt> is taken for Bearer <jwt>", _edit(http.any_scheme)),
    Mutant(
        "case-sensitive-scheme",
        "only the exact spelling 'Bearer' is recognised",
        _edit(http.case_sensitive_scheme),
    ),
    Mutant(
        "crash-on-bare-bearer",
        "'Authorization: Bearer' with no token is a 500 (the seed's split(' ')[1])",
        _crash(http.bearer_without_token),
    ),
    Mutant(
        "first-of-two-tokens",
        "'Bearer a b' is read as the token a",
        _edit(http.first_of_two_tokens),
    ),
    Mutant(
        "crash-on-two-authorization-headers",
        "two Authorization headers are a 500",
        _crash(http.two_authorization_headers),
    ),
    Mutant(
        "token-in-query",
        "?access_token= is accepted like the header",
        _edit(http.token_from_query),
    ),
    Mutant(
        "public-needs-token",
        "the public path demands a token",
        _wrapped(
            lambda app: http.ShortCircuit(
                app,
                http.on("GET", "/public", http.no_authorization),
                status=401,
                body=b'{"detail":"not authenticated"}',
                headers=[(b"www-authenticate", b'Bearer realm="dualtoken"')],
            )
        ),
    ),
    # --- JWT signature and algorithm ---------------------------------------------------------
    Mutant(
        "alg-none-accepted",
        "unsigned tokens (alg: none) accepted",
        _tokens(TokenFaults(accept_alg_none=True)),
    ),
    Mutant(
        "signature-not-verified",
        "any signature accepted",
        _tokens(TokenFaults(verify_signature=False)),
    ),
    Mutant(
        "alg-not-pinned",
        "every HMAC algorithm is accepted, not just the configured one",
        _tokens(TokenFaults(algorithms=("HS256", "HS384", "HS512"))),
    ),
    Mutant(
        "header-keys-trusted",
        "a jwk in the token's header, or a kid naming a file, supplies the key",
        _tokens(TokenFaults(trust_header_keys=True)),
    ),
    Mutant(
        "crash-on-unknown-alg",
        "the header's alg is looked up in a table without a guard (KeyError, a 500)",
        _tokens(TokenFaults(algorithm_table=True)),
    ),
    Mutant(
        "crash-on-malformed-token",
        "the token is split and parsed before verification, with no error handling",
        _tokens(TokenFaults(peek_unverified=True)),
    ),
    Mutant(
        "crit-ignored",
        "a hand-rolled HMAC check that ignores the crit header",
        _tokens(TokenFaults(ignore_crit=True)),
    ),
    # --- JWT claims and time -----------------------------------------------------------------
    Mutant(
        "exp-not-required",
        "a token without exp is accepted",
        _tokens(TokenFaults(require_exp=False)),
    ),
    Mutant(
        "untyped-token-passes",
        "a token without a type claim passes as whatever type is expected",
        _tokens(TokenFaults(untyped_is_expected=True, required=("sub", "jti", "sid", "iat"))),
    ),
    Mutant(
        "missing-subject-defaults",
        "a token without sub is taken as the default user's",
        _tokens(TokenFaults(default_subject=DEMO_USERNAME, required=("type", "jti", "sid", "iat"))),
    ),
    Mutant(
        "jti-sid-not-required",
        "tokens without jti or sid are accepted",
        _tokens(TokenFaults(required=("sub", "type", "iat"))),
    ),
    Mutant(
        "exp-coerced",
        'exp is run through int(), so "9999999999" is a time',
        _tokens(TokenFaults(coerce_exp=True)),
    ),
    Mutant(
        "crash-on-huge-exp",
        "exp becomes a datetime unguarded: 1e400 or 10^30 is a 500",
        _tokens(TokenFaults(exp_as_datetime=True)),
    ),
    Mutant(
        "unknown-subject-passes",
        "a token for a user that does not exist is honoured",
        _auth(rules.UnknownUsersPass),
    ),
    Mutant(
        "claim-types-unchecked",
        "claims are used without checking their JSON types",
        _tokens(TokenFaults(check_claim_types=False)),
    ),
    Mutant(
        "issuer-not-checked",
        "iss is written but never checked",
        _tokens(TokenFaults(check_issuer=False)),
        variant="issuer",
    ),
    Mutant(
        "audience-not-checked",
        "aud is written but never checked",
        _tokens(TokenFaults(check_audience=False)),
        variant="issuer",
    ),
    Mutant(
        "expired-access-accepted",
        "access token expiry not checked",
        _tokens(TokenFaults(skip_exp_for=frozenset({"access"}))),
    ),
    Mutant(
        "hour-of-leeway",
        "an hour of leeway on exp/nbf/iat",
        _tokens(TokenFaults(extra_leeway=3600)),
    ),
    Mutant("nbf-ignored", "nbf in the future accepted", _tokens(TokenFaults(check_nbf=False))),
    Mutant(
        "nbf-refused",
        "any token carrying nbf is refused, even once nbf has passed",
        _tokens(TokenFaults(refuse_any_nbf=True)),
    ),
    Mutant(
        "future-iat-accepted", "iat in the future accepted", _tokens(TokenFaults(check_iat=False))
    ),
    Mutant(
        "predictable-jti",
        "no random jti: same-second logins share tokens",
        _tokens(TokenFaults(predictable_jti=True)),
        select=_without_logout,
    ),
    # --- token types -------------------------------------------------------------------------
    Mutant(
        "refresh-as-access",
        "protected routes accept refresh tokens (no type check)",
        _tokens(TokenFaults(skip_type_check_for=frozenset({"access"}))),
    ),
    Mutant(
        "access-as-refresh",
        "/refresh accepts access tokens (no type check)",
        _tokens(TokenFaults(skip_type_check_for=frozenset({"refresh"}))),
    ),
    Mutant(
        "refresh-type-misspelt",
        'refresh tokens carry type "refresh_token", not the declared "refresh"',
        _tokens(TokenFaults(refresh_type_value="refresh_token")),
    ),
    Mutant(
        "type-case-insensitive",
        'the type claim is compared case-insensitively ("ACCESS" passes)',
        _tokens(TokenFaults(type_case_insensitive=True)),
    ),
    # --- refresh -----------------------------------------------------------------------------
    Mutant(
        "refresh-answer-without-access",
        "refresh answers 200 but leaves out the new access token",
        _json("/refresh", lambda body, _: {k: v for k, v in body.items() if k != "access_token"}),
    ),
    Mutant(
        "refresh-access-stale-key",
        "refresh signs the new access token with a rotated-out key",
        _auth(rules.StaleKeyAtRefresh),
    ),
    Mutant(
        "refresh-needs-live-access",
        "refresh is refused once the session's access token has expired",
        _auth(rules.RefreshNeedsLiveAccess),
    ),
    Mutant(
        "one-shot-refresh",
        "without rotation, a refresh token is burnt by its first use",
        _auth(rules.OneShotRefresh),
    ),
    Mutant(
        "rotation-echoes-token",
        "rotation claimed, but the presented refresh token comes back as the new one",
        _auth(rules.RotationEchoesToken),
        variant="rotation",
        settings={"rotation": False},
    ),
    Mutant(
        "expired-refresh-accepted",
        "refresh token expiry not checked",
        _tokens(TokenFaults(skip_exp_for=frozenset({"refresh"}))),
    ),
    Mutant(
        "crash-on-missing-field",
        "/refresh reads data['refresh_token'] unguarded: {} or a non-object body is a 500",
        _crash(http.on("POST", "/refresh", http.refresh_field_missing)),
    ),
    Mutant(
        "crash-on-non-string-refresh-token",
        "a refresh_token that is not a string is a 500 (token.split on a number)",
        _crash(http.on("POST", "/refresh", http.refresh_field_not_string)),
    ),
    Mutant(
        "inactive-user-refreshes",
        "disabled/deleted users can still refresh",
        _auth(rules.InactiveUsersRefresh),
    ),
    # --- lifetimes ---------------------------------------------------------------------------
    Mutant(
        "access-shorter-than-declared",
        "access tokens live 600 s where 900 s are declared",
        _tokens(TokenFaults(access_ttl=600)),
    ),
    Mutant(
        "refresh-shorter-than-declared",
        "refresh tokens live a day where a week is declared",
        _tokens(TokenFaults(refresh_ttl=86_400)),
    ),
    Mutant(
        "refreshed-access-long-lived",
        "refreshed access token gets the refresh lifetime",
        _auth(rules.RefreshedAccessLivesLong),
    ),
    Mutant(
        "expires-in-minutes",
        "expires_in counts minutes, not seconds",
        _token_json(_expires_in_minutes),
    ),
    Mutant(
        "two-hour-access-token",
        "a two-hour access token (declared as such): longer than the seed's 30 minutes",
        lambda s: create_app(s),
        settings={"access_ttl": 7200},
        declare=_declared_access(7200),
    ),
    # --- logout ------------------------------------------------------------------------------
    Mutant(
        "logout-crashes",
        "logout revokes, then answers 500",
        _rewrite(status_map={200: 500}, paths=frozenset({"/logout"})),
    ),
    Mutant("logout-noop", "logout revokes nothing", _auth(rules.LogoutNoop)),
    Mutant(
        "revocation-by-bytes",
        "logout revokes the refresh token's exact bytes, not its session",
        _auth(rules.RevocationByBytes),
    ),
    Mutant(
        "revocation-by-jti",
        "logout denylists the two tokens' jti, not their session (rotation on)",
        _auth(rules.RevocationByJti),
        variant="rotation",
    ),
    Mutant(
        "revocation-forgotten",
        "a revoked session is forgotten once an access token's lifetime has passed",
        _auth(rules.RevocationForgotten),
    ),
    Mutant(
        "logout-everywhere",
        "logout ends every session of the user, not just this one",
        _auth(rules.LogoutEverywhere),
    ),
    Mutant(
        "logout-keeps-refresh",
        "logout revokes the access token only",
        _auth(rules.LogoutKeepsRefresh),
    ),
    Mutant(
        "logout-refusals-crash",
        "a logout that is refused (no, bad or revoked token) is a 500",
        _rewrite(status_map={400: 500, 401: 500, 422: 500}, paths=frozenset({"/logout"})),
    ),
    # --- rotation ----------------------------------------------------------------------------
    Mutant(
        "no-reuse-detection",
        "rotation never detects a retired token's reuse",
        _store(rules.NoReuseDetection),
        variant="rotation",
    ),
    Mutant(
        "reuse-spares-access",
        "reuse detection retires the refresh tokens but not the session's access tokens",
        _auth(rules.ReuseSparesAccess),
        variant="rotation",
    ),
    Mutant(
        "reuse-revokes-every-session",
        "reuse detection logs the user out of every session",
        _auth(rules.ReuseRevokesEverySession),
        variant="rotation",
    ),
    Mutant(
        "reuse-locks-account",
        "reuse detection disables the account",
        _auth(rules.ReuseLocksAccount),
        variant="rotation",
        select=_reuse_last("ROTATION-REUSE-04"),
    ),
    Mutant(
        "grace-mints-new-successor",
        "a replay in the grace window gets a new successor, not the current one",
        _store(rules.GraceMintsNewSuccessor),
        variant="grace",
    ),
    Mutant(
        "grace-for-any-ancestor",
        "grace window admits any earlier token",
        _store(rules.GraceForAnyAncestor),
        variant="grace",
    ),
    # --- concurrency -------------------------------------------------------------------------
    Mutant(
        "racy-rotation",
        "concurrent refreshes each mint a live successor",
        _store(rules.RacyRotation),
        variant="rotation",
    ),
    Mutant(
        "refuses-concurrent-use",
        "a token already in use by a request in flight is refused",
        _wrapped(http.RefusesConcurrentUse),
    ),
    Mutant(
        "store-per-worker",
        "two workers, each with its own memory store",
        workers.store_per_worker_pool,
        variant="workers",
    ),
    # --- cookies -----------------------------------------------------------------------------
    Mutant(
        "cookie-mode-off",
        "the refresh token travels in the body; no cookie is set or cleared",
        lambda s: create_app(s),
        variant="cookie",
        settings={"refresh_cookie": False},
    ),
    Mutant(
        "cookie-token-also-in-body",
        "the refresh cookie's token is also in the JSON body",
        _token_json(_cookie_token_in_body),
        variant="cookie",
    ),
    Mutant(
        "cookie-not-httponly",
        "the refresh cookie is readable by scripts",
        _rewrite(headers=http.cookie_without(b"httponly")),
        variant="cookie",
    ),
    Mutant(
        "cookie-not-secure",
        "the refresh cookie is sent over plain HTTP",
        lambda s: create_app(s),
        variant="cookie",
        settings={"cookie_secure": False},
    ),
    Mutant(
        "cookie-without-samesite",
        "the refresh cookie has no SameSite",
        _rewrite(headers=http.cookie_without(b"samesite")),
        variant="cookie",
    ),
    Mutant(
        "cookie-path-root",
        "the refresh cookie is scoped to / and so sent with every API call",
        _rewrite(headers=http.cookie_with(b"Path", b"/"), paths=TOKEN_PATHS),
        variant="cookie",
    ),
    Mutant(
        "cookie-outlives-token",
        "the refresh cookie lives a year",
        _rewrite(headers=http.cookie_with(b"Max-Age", b"31536000"), paths=TOKEN_PATHS),
        variant="cookie",
    ),
    Mutant(
        "logout-keeps-cookie",
        "logout leaves the refresh cookie in place",
        _rewrite(headers=http.drop_header(b"set-cookie"), paths=frozenset({"/logout"})),
        variant="cookie",
    ),
    Mutant(
        "protected-takes-refresh-cookie",
        "protected routes fall back to the refresh cookie (Path=/) when no Authorization is sent",
        cookies.protected_reads_cookie(
            "refresh_token", "refresh", wrap=http.cookie_with(b"Path", b"/")
        ),
        variant="cookie",
    ),
    Mutant(
        "access-token-cookie",
        "login also sets the access token as a cookie, which protected routes read",
        cookies.access_cookie_app,
        variant="cookie",
    ),
    Mutant(
        "cors-reflects-origin",
        "any Origin is allowed with credentials",
        _rewrite(headers=http.reflect_any_origin),
    ),
    # --- users -------------------------------------------------------------------------------
    Mutant(
        "disabled-flag-ignored",
        "the disabled flag is ignored after login",
        _auth(rules.DisabledUsersPass),
    ),
    Mutant(
        "disabling-revokes",
        "disabling a user ends their sessions for good",
        _auth(rules.DisablingRevokes, users=rules.CountingUsers),
    ),
    # --- persistence -------------------------------------------------------------------------
    Mutant(
        "memory-store-despite-persistence",
        "revocations and rotation state kept in memory: lost on restart",
        _store(MemoryStore),
        variant="durable",
    ),
    Mutant(
        "session-allowlist-in-memory",
        "live sessions are an in-memory allow-list: a restart logs everyone out",
        _auth(rules.SessionAllowlist),
        variant="durable",
    ),
    # --- robustness --------------------------------------------------------------------------
    Mutant(
        "seed-login-parser",
        "login parses its body by hand (json.loads, data['username']) and crashes on bad input",
        _crash(http.on("POST", "/login", http.seed_login_parser)),
    ),
    Mutant(
        "crash-on-unicode-credentials",
        "non-ASCII credentials are a 500 (encoded as ASCII somewhere)",
        _crash(http.on("POST", "/login", http.login_field(lambda v: not v.isascii()))),
    ),
    Mutant(
        "crash-on-long-username",
        "a username longer than the column is a 500",
        _crash(http.on("POST", "/login", http.login_field(lambda v: len(v) > 1000))),
    ),
    Mutant(
        "crash-on-big-body",
        "a body over 1 MB is a 500 (no size limit before parsing)",
        _crash(http.body_larger_than(1_000_000)),
    ),
    Mutant(
        "crash-on-big-header",
        "a header over 32 KB is a 500",
        _crash(http.any_header_longer_than(32_768)),
    ),
    Mutant(
        "crash-on-non-ascii-authorization",
        "non-ASCII bytes in Authorization are a 500 (decoded as ASCII)",
        _crash(http.authorization_not_ascii),
    ),
    Mutant("crash-on-long-path", "a URL over 4 KB is a 500", _crash(http.path_longer_than(4096))),
    Mutant(
        "crash-on-odd-method",
        "PUT, DELETE and PATCH reach a handler that crashes",
        _crash(http.method_in("PUT", "DELETE", "PATCH")),
    ),
    Mutant(
        "crash-on-bad-logout-body",
        "a logout body that is not JSON is a 500",
        _crash(http.on("POST", "/logout", http.body_not_json)),
    ),
    # --- rate limit --------------------------------------------------------------------------
    Mutant(
        "no-rate-limit",
        "/refresh has no rate limit",
        lambda s: create_app(s),
        settings={"refresh_rate_limit": 0},
    ),
    Mutant(
        "no-retry-after",
        "a bare 429: no Retry-After and no body explaining the limit",
        _wrapped(http.BareTooManyRequests),
    ),
    Mutant(
        "rate-limit-never-lifts",
        "once limited, a client's refreshes are refused for good",
        _wrapped(lambda app: http.RateLimitFault(app, refresh_path="/refresh", never_lifts=True)),
    ),
    Mutant(
        "rate-limit-blocks-api",
        "a client limited at /refresh is refused everywhere",
        _wrapped(lambda app: http.RateLimitFault(app, refresh_path="/refresh", blocks_api=True)),
    ),
    # --- missing defences, undeclared --------------------------------------------------------
    Mutant(
        "no-logout",
        "no logout at all (POST /logout is a 404) and a profile that declares none",
        _wrapped(
            lambda app: http.ShortCircuit(
                app,
                http.on("POST", "/logout", lambda _scope, _body: True),
                status=404,
                body=b'{"detail":"Not Found"}',
                headers=[(b"content-type", b"application/json")],
            )
        ),
        declare=lambda p: dataclasses.replace(p, logout=()),
    ),
    Mutant(
        "no-rate-limit-undeclared",
        "/refresh has no rate limit, and the profile does not claim one",
        lambda s: create_app(s),
        settings={"refresh_rate_limit": 0},
        declare=lambda p: dataclasses.replace(
            p, capabilities=dataclasses.replace(p.capabilities, rate_limit=False)
        ),
    ),
    Mutant(
        "no-login-throttle",
        "wrong passwords for one account are refused at once, without end",
        lambda s: create_app(
            s,
            services=dataclasses.replace(build_services(s), login_throttle=LoginThrottle(limit=0)),
        ),
    ),
    # --- signing key -------------------------------------------------------------------------
    Mutant(
        "placeholder-secret",
        f"tokens signed with the seed's placeholder secret {PLACEHOLDER_SECRET!r}",
        _keyed(PLACEHOLDER_SECRET),
        declare=_declared_secret(PLACEHOLDER_SECRET),
    ),
)


# Sound servers built the way some mutants are, to show that the building itself breaks nothing.
CONTROLS: tuple[Mutant, ...] = (
    Mutant(
        "sound-worker-pool",
        "none: two workers sharing one store",
        workers.shared_store_pool,
        variant="workers",
    ),
)

BY_NAME = {mutant.name: mutant for mutant in (*MUTANTS, *CONTROLS)}
