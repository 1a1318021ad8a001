"""Protected routes that also take a cookie as their credential (COOKIE-CSRF-01's mutants).

@fastify/jwt with its `cookie` option does this: `request.jwtVerify()` falls back to the cookie
when a request has no Authorization header, so the cookie the browser attaches by itself opens
the API. The reference server checks token kinds, so a refresh token read that way would still
be refused as an access token; the faults therefore read the cookie as the kind it holds: the
refresh cookie checked as a refresh token (a "session cookie" design), or an access-token cookie
that login and refresh also set (the ambient access-cookie design).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp

from reference_server.app import create_app
from reference_server.config import Settings
from reference_server.deps import Principal, current_principal
from reference_server.errors import AuthFailure
from reference_server.tokens import TokenError, TokenKind
from tests.conformance.mutants import http

__all__ = ["ACCESS_COOKIE", "access_cookie_app", "protected_reads_cookie"]

ACCESS_COOKIE = "access_token"


def protected_reads_cookie(
    cookie: str, kind: TokenKind, wrap: http.HeaderEdit | None = None
) -> Callable[[Settings], ASGIApp]:
    """The reference app whose authenticated routes fall back to `cookie`, checked as a `kind`
    token, when no Authorization header is sent; `wrap` edits the token answers' headers."""

    async def principal(request: Request) -> Principal:
        token = request.cookies.get(cookie)
        if "authorization" in request.headers or not token:
            return await current_principal(request)
        services = request.app.state.services
        try:
            claims, user = await services.auth.check(
                token, kind=kind, now=await services.clock.now()
            )
        except TokenError as exc:
            raise AuthFailure.invalid_token(str(exc)) from None
        return Principal(user, claims)

    def build(settings: Settings) -> ASGIApp:
        app = create_app(settings)
        app.dependency_overrides[current_principal] = principal
        if wrap is None:
            return app
        return http.RewriteResponse(app, headers=wrap, paths=frozenset({"/login", "/refresh"}))

    return build


def _access_cookie(body: dict[str, Any], headers: http.Headers) -> dict[str, Any]:
    token = body.get("access_token")
    if isinstance(token, str):
        value = f"{ACCESS_COOKIE}={token}; HttpOnly; Path=/; SameSite=strict; Secure"
        headers.append((b"set-cookie", value.encode()))
    return body


def access_cookie_app(settings: Settings) -> ASGIApp:
    """Login and refresh also set the access token as an HttpOnly cookie on every path, and the
    authenticated routes read it when no Authorization header is sent."""
    app = protected_reads_cookie(ACCESS_COOKIE, "access")(settings)
    return http.RewriteJSON(
        http.RewriteJSON(app, "/login", _access_cookie), "/refresh", _access_cookie
    )
