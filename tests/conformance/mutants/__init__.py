"""Faulty servers: the reference server with exactly one rule broken, each a proof target.

Every conformance case must be caught failing by at least one of these (tests/conformance/
test_mutants.py asserts which case IDs FAIL for each, and that the rest still pass).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.types import ASGIApp

from reference_server.app import build_services, create_app
from reference_server.auth import AuthService
from reference_server.config import Settings
from reference_server.deps import Services
from reference_server.store import TokenStore
from tests.conformance.mutants import http, rules
from tests.conformance.mutants.tokens import FaultyTokens, TokenFaults

AuthClass = type[AuthService]


def _services(
    settings: Settings,
    *,
    token_faults: TokenFaults | None = None,
    auth_class: AuthClass = AuthService,
    store: TokenStore | None = None,
) -> Services:
    tokens = None
    if token_faults is not None:
        tokens = FaultyTokens(
            token_faults,
            key=settings.signing_key,
            algorithm=settings.algorithm,
            access_ttl=settings.access_ttl,
            refresh_ttl=settings.refresh_ttl,
            leeway=settings.leeway,
        )
    services = build_services(settings, tokens=tokens, store=store)
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


@dataclass(frozen=True)
class Mutant:
    name: str
    fault: str
    build: Callable[[Settings], ASGIApp]
    settings: dict[str, object] = field(default_factory=dict)

    def app(self, settings: Settings) -> ASGIApp:
        if self.settings:
            settings = settings.model_copy(update=self.settings)
        return self.build(settings)


def _tokens(faults: TokenFaults) -> Callable[[Settings], ASGIApp]:
    return lambda s: create_app(s, services=_services(s, token_faults=faults))


def _auth(cls: AuthClass) -> Callable[[Settings], ASGIApp]:
    return lambda s: create_app(s, services=_services(s, auth_class=cls))


def _store(factory: Callable[[], TokenStore]) -> Callable[[Settings], ASGIApp]:
    return lambda s: create_app(s, services=_services(s, store=factory()))


def _wrapped(wrap: Callable[[ASGIApp], ASGIApp]) -> Callable[[Settings], ASGIApp]:
    return lambda s: wrap(create_app(s))


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "expired-access-accepted",
        "access token expiry not checked",
        _tokens(TokenFaults(skip_exp_for=frozenset({"access"}))),
    ),
    Mutant(
        "expired-refresh-accepted",
        "refresh token expiry not checked",
        _tokens(TokenFaults(skip_exp_for=frozenset({"refresh"}))),
    ),
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
        "exp-not-required",
        "a token without exp is accepted",
        _tokens(TokenFaults(require_exp=False)),
    ),
    Mutant(
        "hour-of-leeway",
        "an hour of leeway on exp/nbf/iat",
        _tokens(TokenFaults(extra_leeway=3600)),
    ),
    Mutant("nbf-ignored", "nbf in the future accepted", _tokens(TokenFaults(check_nbf=False))),
    Mutant(
        "future-iat-accepted", "iat in the future accepted", _tokens(TokenFaults(check_iat=False))
    ),
    Mutant(
        "predictable-jti",
        "no random jti: same-second logins share tokens",
        _tokens(TokenFaults(predictable_jti=True)),
    ),
    Mutant("logout-noop", "logout revokes nothing", _auth(rules.LogoutNoop)),
    Mutant(
        "logout-keeps-refresh",
        "logout revokes the access token only",
        _auth(rules.LogoutKeepsRefresh),
    ),
    Mutant(
        "inactive-user-refreshes",
        "disabled/deleted users can still refresh",
        _auth(rules.InactiveUsersRefresh),
    ),
    Mutant(
        "disabled-flag-ignored",
        "the disabled flag is ignored after login",
        _auth(rules.DisabledUsersPass),
    ),
    Mutant(
        "refreshed-access-long-lived",
        "refreshed access token gets the refresh lifetime",
        _auth(rules.RefreshedAccessLivesLong),
    ),
    Mutant(
        "no-reuse-detection",
        "rotation never detects a retired token's reuse",
        _store(rules.NoReuseDetection),
        {"rotation": True},
    ),
    Mutant(
        "grace-for-any-ancestor",
        "grace window admits any earlier token",
        _store(rules.GraceForAnyAncestor),
        {"rotation": True, "rotation_grace": 30},
    ),
    Mutant(
        "racy-rotation",
        "concurrent refreshes each mint a live successor",
        _store(rules.RacyRotation),
        {"rotation": True},
    ),
    Mutant(
        "crash-on-missing-field",
        "POST /refresh {} answers 500 (the seed's KeyError)",
        _wrapped(http.CrashOnMissingRefreshField),
    ),
    Mutant(
        "forbidden-not-unauthorized",
        "403 instead of 401 for a refused token",
        _wrapped(lambda app: http.RewriteResponse(app, status_map={401: 403})),
    ),
    Mutant(
        "no-www-authenticate",
        "401 without WWW-Authenticate",
        _wrapped(
            lambda app: http.RewriteResponse(app, headers=http.drop_header(b"www-authenticate"))
        ),
    ),
    Mutant(
        "token-response-cached",
        "token responses without Cache-Control: no-store",
        _wrapped(lambda app: http.RewriteResponse(app, headers=http.drop_header(b"cache-control"))),
    ),
    Mutant(
        "no-rate-limit",
        "/refresh has no rate limit",
        lambda s: create_app(s),
        {"refresh_rate_limit": 0},
    ),
    Mutant(
        "cookie-not-httponly",
        "the refresh cookie is readable by scripts",
        _wrapped(lambda app: http.RewriteResponse(app, headers=http.cookie_without(b"httponly"))),
        {"refresh_cookie": True},
    ),
    Mutant(
        "cors-reflects-origin",
        "any Origin is allowed with credentials",
        _wrapped(lambda app: http.RewriteResponse(app, headers=http.reflect_any_origin)),
    ),
)

BY_NAME = {mutant.name: mutant for mutant in MUTANTS}
