"""Dependency aliases, so that routes read like their signatures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPBearer

from reference_server.auth import AuthService
from reference_server.clock import Clock
from reference_server.config import Settings
from reference_server.errors import AuthFailure
from reference_server.login_throttle import LoginThrottle
from reference_server.ratelimit import RateLimiter
from reference_server.shared_users import SharedUsers
from reference_server.store import TokenStore
from reference_server.tokens import Claims, TokenError
from reference_server.users import User, UserDirectory


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    store: TokenStore
    users: UserDirectory
    auth: AuthService
    refresh_limiter: RateLimiter
    shared_users: SharedUsers
    # Counted in the store when workers share it (app.build_services), else in this process.
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)


@dataclass(frozen=True)
class Principal:
    user: User
    claims: Claims


# Dependencies are async and flat on purpose: FastAPI runs plain `def` ones in a thread pool,
# and each nested level costs a resolution step; either costs more than the token checks.
async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def current_time(request: Request) -> float:
    services: Services = request.app.state.services
    return await services.clock.now()


Now = Annotated[float, Depends(current_time)]

# Declared for the OpenAPI schema only; the header is parsed below, more strictly than
# HTTPBearer does (it would accept "Bearer a b" as the token "a b").
_bearer_scheme = HTTPBearer(auto_error=False, description="the access token")


def bearer_token(header: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1)."""
    parts = header.split() if header else []
    if not parts or parts[0].lower() != "bearer":
        raise AuthFailure.missing()
    if len(parts) != 2:
        raise AuthFailure.invalid_request("Authorization header must be 'Bearer <token>'")
    return parts[1]


async def current_principal(request: Request, _: object = Security(_bearer_scheme)) -> Principal:
    services: Services = request.app.state.services
    token = bearer_token(request.headers.get("authorization"))
    now = await services.clock.now()
    try:
        claims, user = await services.auth.check(token, kind="access", now=now)
    except TokenError as exc:
        raise AuthFailure.invalid_token(str(exc)) from None
    return Principal(user, claims)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
