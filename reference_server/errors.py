"""HTTP errors of the auth flow, rendered as RFC 6750 §3 challenges."""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

REALM = "dualtoken"
log = logging.getLogger("reference_server")


class AuthFailure(Exception):
    """A refused credential. `error` is the RFC 6750 error code, or None when none was sent."""

    def __init__(self, status: int, detail: str, error: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.error = error

    @classmethod
    def missing(cls) -> AuthFailure:
        return cls(401, "not authenticated: send Authorization: Bearer <access token>")

    @classmethod
    def invalid_request(cls, detail: str) -> AuthFailure:
        return cls(400, detail, "invalid_request")

    @classmethod
    def invalid_token(cls, detail: str) -> AuthFailure:
        return cls(401, detail, "invalid_token")

    def challenge(self) -> str:
        if self.error is None:
            return f'Bearer realm="{REALM}"'
        # error_description must not contain '"' or '\' (RFC 6750 §3); ours never do.
        description = self.detail.replace('"', "'").replace("\\", "/")
        return f'Bearer realm="{REALM}", error="{self.error}", error_description="{description}"'


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class BadRequest(Exception):
    """A malformed request that validation could not catch (e.g. no refresh token anywhere)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class EchoSafeJSONResponse(JSONResponse):
    """JSON that may echo any client input: lone surrogates escaped, NaN and infinities as strings.

    FastAPI's own 422 body repeats the offending input, and its renderer answers a 500 for
    `{"password": "\\ud800"}` (not UTF-8 encodable) or `{"advance": NaN}` (not JSON).
    """

    def render(self, content: Any) -> bytes:
        return json.dumps(_finite(content), ensure_ascii=True, separators=(",", ":")).encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return EchoSafeJSONResponse({"detail": jsonable_encoder(exc.errors())}, 422)


def auth_failure_response(exc: AuthFailure) -> JSONResponse:
    return JSONResponse(
        {"detail": exc.detail}, exc.status, headers={"WWW-Authenticate": exc.challenge()}
    )


def rate_limited_response(exc: RateLimited) -> JSONResponse:
    return JSONResponse(
        {"detail": f"too many refresh requests; retry in {exc.retry_after} s"},
        429,
        headers={"Retry-After": str(exc.retry_after)},
    )


def store_unavailable_response(exc: Exception) -> JSONResponse:
    # Without the store no token can be checked for revocation: refuse to guess, say so, and
    # tell clients to come back (503 is the server's fault, never a verdict on the token).
    log.error("token store unavailable: %r", exc)
    return JSONResponse(
        {"detail": "token store unavailable, try again shortly"}, 503, headers={"Retry-After": "1"}
    )


# What the store raises when it is unreachable or broken (answered 503 by every path).
STORE_ERRORS: tuple[type[Exception], ...] = (RedisError, sqlite3.Error)


async def _auth_failure(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthFailure)
    return auth_failure_response(exc)


async def _rate_limited(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    return rate_limited_response(exc)


async def _bad_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BadRequest)
    return JSONResponse({"detail": exc.detail}, 400)


async def _store_unavailable(_: Request, exc: Exception) -> JSONResponse:
    return store_unavailable_response(exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AuthFailure, _auth_failure)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(BadRequest, _bad_request)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for store_error in STORE_ERRORS:
        app.add_exception_handler(store_error, _store_unavailable)
