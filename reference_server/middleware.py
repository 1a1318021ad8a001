"""Request size limits: a huge body is refused with 413 before it is read into memory, and
oversized headers with 431.

h11 refuses a request head above 64 KiB by itself, but httptools (uvicorn[standard], the default
install) parses headers of any size; the same bound is applied here so both stacks agree.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# h11's default bound on a request head (uvicorn's h11_max_incomplete_event_size).
MAX_HEADER_BYTES = 64 * 1024


class BodyLimit:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, max_header_bytes: int = MAX_HEADER_BYTES
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header_bytes = 0
        declared: int | None = None
        chunked = False
        for name, value in scope["headers"]:
            header_bytes += len(name) + len(value) + 4  # ": " and CRLF, as on the wire
            if name == b"content-length":
                declared = _int_or_none(value)
            elif name == b"transfer-encoding":
                chunked = True
        if header_bytes > self.max_header_bytes:
            await _refuse(send, 431, f"request headers exceed {self.max_header_bytes} bytes")
            return
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        if declared is None and not chunked:
            # Neither header: HTTP/1.1 framing gives the request no body (RFC 9112 §6.3), so
            # there is nothing to count (most requests: every GET).
            await self.app(scope, receive, send)
            return
        # Read the body up front (it is small by construction) and replay it to the app.
        buffered: list[Message] = []
        size = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        await _refuse(send, 413, f"request body exceeds {self.max_bytes} bytes")


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _int_or_none(value: bytes) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None
