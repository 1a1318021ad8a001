"""The three routes every client calls all the time, answered in plain ASGI.

FastAPI's per-request machinery (dependency resolution, body model validation, response model
serialisation, the routing and exception middleware) costs more CPU than every check of a
/refresh together. `HotRoutes` sits inside the app's middleware (so the body limit, header limit
and CORS still apply) and answers the ordinary shapes of

- `GET /public`,
- `GET /protected` with `Authorization: Bearer <token>`,
- `POST /refresh` with `Content-Type: application/json` and a body `{"refresh_token": "<str>"}`
  (not in cookie mode),

through the very same services (`services.auth.check` / `.refresh`, the rate limiter, the
clock), the same error renderers and byte-identical answers (tests/reference_server/
test_hotpath.py compares them with the FastAPI routes'). Every other request, and every shape
it is not sure of (a missing or odd Authorization header, another content type, a body the
model would refuse), goes on to FastAPI untouched, which then answers exactly as before.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_server.deps import Services
from reference_server.errors import (
    STORE_ERRORS,
    AuthFailure,
    RateLimited,
    auth_failure_response,
    rate_limited_response,
    store_unavailable_response,
)
from reference_server.refresh_gate import refresh_within_limit
from reference_server.schemas import MAX_TOKEN
from reference_server.tokens import TokenError

__all__ = ["HotRoutes"]

_JSON = (b"content-type", b"application/json")
_NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
_PUBLIC_BODY = b'{"message":"This is public data"}'
_PUBLIC_LENGTH = (b"content-length", str(len(_PUBLIC_BODY)).encode())


def _render(content: dict[str, Any]) -> bytes:
    # What FastAPI's JSONResponse renders for the same content.
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


async def _send_json(send: Send, content: dict[str, Any], extra: list[tuple[bytes, bytes]]) -> None:
    body = _render(content)
    headers = [(b"content-length", str(len(body)).encode()), _JSON, *extra]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class HotRoutes:
    def __init__(self, app: ASGIApp, *, services: Services) -> None:
        self.app = app
        self.services = services
        self.refresh_in_body = not services.settings.refresh_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            path, method = scope["path"], scope["method"]
            if path == "/public" and method == "GET":
                # New messages every time: middleware (CORS) appends to a message's headers.
                headers = [_PUBLIC_LENGTH, _JSON]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": _PUBLIC_BODY})
                return
            if path == "/protected" and method == "GET":
                if await self._protected(scope, receive, send):
                    return
            elif path == "/refresh" and method == "POST" and self.refresh_in_body:
                await self._refresh(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _protected(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer a well-formed bearer request; False (nothing sent) leaves it to FastAPI."""
        token = _bearer(scope)
        if token is None:
            return False
        services = self.services
        try:
            now = await services.clock.now()
            _, user = await services.auth.check(token, kind="access", now=now)
        except TokenError as exc:
            await auth_failure_response(AuthFailure.invalid_token(str(exc)))(scope, receive, send)
            return True
        except STORE_ERRORS as exc:
            await store_unavailable_response(exc)(scope, receive, send)
            return True
        name = user.username
        content = {"message": f"Hello {name}", "data": "This is protected data", "user": name}
        await _send_json(send, content, [])
        return True

    async def _refresh(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, messages = await _read_body(receive)
        token = _refresh_token(scope, body)
        if token is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        services = self.services
        try:
            now = await services.clock.now()
            client = scope["client"][0] if scope.get("client") else "unknown"
            issued = await refresh_within_limit(
                services.auth, services.refresh_limiter, token, client=client, now=now
            )
        except RateLimited as exc:
            await rate_limited_response(exc)(scope, receive, send)
            return
        except TokenError as exc:
            await auth_failure_response(AuthFailure.invalid_token(str(exc)))(scope, receive, send)
            return
        except STORE_ERRORS as exc:
            await store_unavailable_response(exc)(scope, receive, send)
            return
        content: dict[str, Any] = {
            "access_token": issued.access_token,
            "token_type": "bearer",
            "expires_in": services.settings.access_ttl,
        }
        if issued.refresh_token is not None and issued.refresh is not None:
            content["refresh_token"] = issued.refresh_token
            content["refresh_expires_in"] = issued.refresh.exp - issued.refresh.iat
        await _send_json(send, content, _NO_STORE)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _bearer(scope: Scope) -> str | None:
    """The token of exactly `Bearer <token>` (any case, any spacing), else None."""
    value = _header(scope, b"authorization")
    if value is None:
        return None
    parts = value.decode("latin-1").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


def _refresh_token(scope: Scope, body: bytes) -> str | None:
    """The token of `{"refresh_token": "<1..MAX_TOKEN ASCII chars>"}` sent as JSON, else None."""
    if _header(scope, b"content-type") != b"application/json":
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if type(parsed) is not dict:
        return None
    token = parsed.get("refresh_token")
    # JWTs are ASCII; anything else (a lone surrogate, say) is the model's to refuse.
    if type(token) is not str or not 0 < len(token) <= MAX_TOKEN or not token.isascii():
        return None
    return token


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks), messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay
