"""Sends a RawRequest to an in-process ASGI app by building the HTTP scope directly.

The scope carries the request's bytes as they are (method, raw path, headers), so an in-process
target meets exactly what a target over HTTP would; no HTTP client sits in between to refuse or
normalise anything. An exception the app raises becomes a 500 when no answer had started, as a
server would send (and what httpx's ASGITransport did with raise_app_exceptions=False).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from conformance.http11 import RawRequest, RawResponse

__all__ = ["ASGIApp", "send_in_process"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]

SERVER = ("testserver", 80)
CLIENT = ("127.0.0.1", 50_000)


def _scope(request: RawRequest) -> Scope:
    path, _, query = request.target.partition(b"?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method.decode("latin-1"),
        "scheme": "http",
        # ASGI: `path` is percent-decoded and UTF-8 decoded; `raw_path` is what was sent.
        "path": unquote_to_bytes(path).decode("utf-8", errors="replace"),
        "raw_path": path,
        "query_string": query,
        "root_path": "",
        # ASGI header names are lower-case; the values go as they are.
        "headers": [(name.lower(), value) for name, value in request.headers],
        "client": CLIENT,
        "server": SERVER,
        "state": {},
        "extensions": {},
    }


async def send_in_process(app: ASGIApp, request: RawRequest) -> RawResponse:
    """Run one request through `app`; the answer as the app sent it."""
    body_sent = False
    answered = asyncio.Event()
    status: int | None = None
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": request.body, "more_body": False}
        # The client stays connected until the answer is complete, then goes away.
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
            headers.extend((bytes(n), bytes(v)) for n, v in message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                answered.set()

    try:
        await app(_scope(request), receive, send)
    except Exception:
        # An unhandled exception: what a server puts on the wire is a 500 (or, after the answer
        # started, the part already sent).
        if status is None:
            status, headers[:] = 500, [(b"content-type", b"text/plain; charset=utf-8")]
            chunks[:] = [b"Internal Server Error"]
    finally:
        answered.set()
    if status is None:
        # The app returned without answering: servers answer 500 for that too.
        return RawResponse(500, [(b"content-type", b"text/plain")], b"Internal Server Error")
    return RawResponse(status, headers, b"".join(chunks))
