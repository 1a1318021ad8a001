"""POST /login, /refresh and /logout."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from reference_server.auth import BadLogoutToken, InvalidCredentials, IssuedTokens
from reference_server.deps import CurrentPrincipal, Now, Services, ServicesDep
from reference_server.errors import AuthFailure, BadRequest, RateLimited
from reference_server.refresh_gate import refresh_within_limit
from reference_server.schemas import (
    Detail,
    LoginRequest,
    RefreshTokenBody,
    TokenResponse,
)
from reference_server.tokens import TokenError

router = APIRouter(tags=["auth"])

REFRESH_COOKIE = "refresh_token"
# The cookie is set once per path that reads it, so the browser sends it nowhere else.
COOKIE_PATHS = ("/refresh", "/logout")

_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"model": Detail, "description": "credentials refused"}
}


def _no_store(response: Response) -> None:
    # RFC 6749 §5.1: token responses must not be cached.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


def _token_response(services: Services, issued: IssuedTokens, response: Response) -> TokenResponse:
    _no_store(response)
    settings = services.settings
    body = TokenResponse(access_token=issued.access_token, expires_in=settings.access_ttl)
    if issued.refresh_token is not None and issued.refresh is not None:
        if settings.refresh_cookie:
            for path in COOKIE_PATHS:
                response.set_cookie(
                    REFRESH_COOKIE,
                    issued.refresh_token,
                    max_age=issued.refresh.exp - issued.refresh.iat,
                    path=path,
                    secure=settings.cookie_secure,
                    httponly=True,
                    samesite="strict",
                )
        else:
            body.refresh_token = issued.refresh_token
        body.refresh_expires_in = issued.refresh.exp - issued.refresh.iat
    return body


def _refresh_token_from(request: Request, body: RefreshTokenBody | None) -> str | None:
    if body is not None and body.refresh_token:
        return body.refresh_token
    return request.cookies.get(REFRESH_COOKIE) or None


@router.post(
    "/login",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    responses={**_UNAUTHORIZED, 429: {"model": Detail}},
)
async def login(
    body: LoginRequest, response: Response, services: ServicesDep, now: Now
) -> TokenResponse:
    """Check the username and password; answer an access token and a refresh token."""
    throttle = services.login_throttle
    # A place in the count before the slow password hash, so that wrong logins sent together
    # cannot all pass the check (login_throttle says why): a wrong password keeps it as a
    # failure, anything else gives it back.
    attempt = await throttle.reserve(body.username, now)
    if attempt.retry_after:
        raise RateLimited(attempt.retry_after)
    wrong_password = False
    try:
        issued = await services.auth.login(body.username, body.password, now)
    except InvalidCredentials:
        wrong_password = True
        await throttle.failed(body.username, attempt, now)
        raise AuthFailure(401, "Incorrect username or password") from None
    finally:
        if not wrong_password:
            await throttle.release(body.username, attempt)
    return _token_response(services, issued, response)


@router.post(
    "/refresh",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    responses={**_UNAUTHORIZED, 400: {"model": Detail}, 429: {"model": Detail}},
)
async def refresh(
    request: Request,
    response: Response,
    services: ServicesDep,
    now: Now,
    body: RefreshTokenBody | None = None,
) -> TokenResponse:
    """Trade a refresh token for a new access token (and, with rotation, a new refresh token)."""
    client = request.client.host if request.client else "unknown"
    token = _refresh_token_from(request, body)
    if token is None:
        # Counted like any other /refresh: over budget, the answer is 429 whatever was sent.
        wait = await services.refresh_limiter.check(client, now)
        if wait:
            raise RateLimited(wait)
        raise BadRequest("refresh_token is required (JSON body field, or the refresh cookie)")
    try:
        issued = await refresh_within_limit(
            services.auth, services.refresh_limiter, token, client=client, now=now
        )
    except TokenError as exc:
        raise AuthFailure.invalid_token(str(exc)) from None
    return _token_response(services, issued, response)


@router.post("/logout", response_model=Detail, responses={**_UNAUTHORIZED, 400: {"model": Detail}})
async def logout(
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    services: ServicesDep,
    now: Now,
    body: RefreshTokenBody | None = None,
) -> Detail:
    """Revoke the session of the access token (and of the refresh token, if one is sent)."""
    try:
        await services.auth.logout(principal.claims, _refresh_token_from(request, body), now)
    except BadLogoutToken as exc:
        raise BadRequest(str(exc)) from None
    if services.settings.refresh_cookie:
        for path in COOKIE_PATHS:
            response.delete_cookie(
                REFRESH_COOKIE,
                path=path,
                secure=services.settings.cookie_secure,
                httponly=True,
                samesite="strict",
            )
    return Detail(detail="logged out")
