"""The reference server with its refresh token taken from an `Authorization: Bearer` header.

Many servers (flask-jwt-extended's default, for one) want the refresh token the way they want
the access token: as a bearer header on the refresh request. This target is the reference
server behind a small ASGI layer that moves such a header on `POST /refresh` into the JSON body
the reference server reads, so that its profile says `[refresh] transport = "bearer"`. An empty
token (`Authorization: Bearer `) arrives as an empty one and is refused like any other.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.embedded import reference_app

__all__ = ["BearerRefresh", "bearer_refresh_app"]

REFRESH_PATH = "/refresh"


class BearerRefresh:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != REFRESH_PATH:
            await self.app(scope, receive, send)
            return
        token = _bearer(scope["headers"])
        if token is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"refresh_token": token}).encode()
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name not in (b"authorization", b"content-type", b"content-length")
        ]
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        delivered = False

        async def replaced() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            # The client's own body (if any) is read and dropped: the header is what counts.
            while (message := await receive())["type"] == "http.request" and message.get(
                "more_body", False
            ):
                pass
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": headers}, replaced, send)


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer":
                return token.decode("latin-1")
    return None


def bearer_refresh_app(**options: Any) -> ASGIApp:
    return BearerRefresh(reference_app(**options))
