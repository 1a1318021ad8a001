"""Faulty HTTP behaviour as ASGI wrappers around the reference app: status, headers, crashes."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HeaderEdit = Callable[[list[tuple[bytes, bytes]], Scope], list[tuple[bytes, bytes]]]


class RewriteResponse:
    """Rewrite the status and headers of responses the wrapped app sends."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        status_map: dict[int, int] | None = None,
        headers: HeaderEdit | None = None,
    ) -> None:
        self.app = app
        self.status_map = status_map or {}
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def edited(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["status"] = self.status_map.get(message["status"], message["status"])
                if self.headers is not None:
                    message["headers"] = self.headers(list(message.get("headers", [])), scope)
            await send(message)

        await self.app(scope, receive, edited)


def drop_header(name: bytes) -> HeaderEdit:
    def edit(headers: list[tuple[bytes, bytes]], _: Scope) -> list[tuple[bytes, bytes]]:
        return [(k, v) for k, v in headers if k.lower() != name]

    return edit


def cookie_without(attribute: bytes) -> HeaderEdit:
    def edit(headers: list[tuple[bytes, bytes]], _: Scope) -> list[tuple[bytes, bytes]]:
        out = []
        for key, value in headers:
            if key.lower() == b"set-cookie":
                parts = [p for p in value.split(b"; ") if p.lower().split(b"=")[0] != attribute]
                value = b"; ".join(parts)
            out.append((key, value))
        return out

    return edit


def reflect_any_origin(
    headers: list[tuple[bytes, bytes]], scope: Scope
) -> list[tuple[bytes, bytes]]:
    """The seed's CORS: whatever Origin asks, it is allowed, with credentials."""
    origin = dict(scope["headers"]).get(b"origin")
    if origin is None:
        return headers
    return [
        *headers,
        (b"access-control-allow-origin", origin),
        (b"access-control-allow-credentials", b"true"),
    ]


class CrashOnMissingRefreshField:
    """The seed's `data['refresh_token']`: a KeyError, i.e. a 500, when the field is absent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/refresh" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        messages: list[Message] = []
        while more:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            data = json.loads(body or b"null")
        except ValueError:
            data = None
        if not isinstance(data, dict) or "refresh_token" not in data:
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"text/plain")],
                }
            )
            await send({"type": "http.response.body", "body": b"Internal Server Error"})
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
