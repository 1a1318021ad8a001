"""Hostile targets on loopback: servers that hang, reset, stall or answer nonsense.

Raw asyncio TCP servers (no HTTP framework), each in a background thread, so the suite meets
the same bytes a broken target would send. Used to prove the suite answers ERROR or FAIL in
bounded time, never a traceback.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

# A handler gets the connection and an event set when the server shuts down.
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, asyncio.Event], Awaitable[None]]


def _response(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """Consume one request: (head, Content-Length body), or None at end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    body = await reader.readexactly(length) if length else b""
    return head, body


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    """Consume one request (head and Content-Length body); its head, or None at end of stream."""
    message = await _read_message(reader)
    return None if message is None else message[0]


async def _read_request(reader: asyncio.StreamReader) -> bool:
    """Consume one request; False at end of stream."""
    return await _read_head(reader) is not None


def _answer_every_request(payload: bytes) -> Handler:
    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: asyncio.Event
    ) -> None:
        try:
            while await _read_request(reader):
                writer.write(payload)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    return handle


async def _hang(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stopping: asyncio.Event
) -> None:
    await _read_request(reader)
    await stopping.wait()


async def _stall_after_headers(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stopping: asyncio.Event
) -> None:
    await _read_request(reader)
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    await stopping.wait()


def _abort(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        # SO_LINGER with a zero timeout turns close() into a TCP RST.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()


async def _reset(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: asyncio.Event
) -> None:
    _abort(writer)


def _healthy_then(misbehave: str) -> Handler:
    """Answer the readiness probe (GET /healthz) like a real server, so that the cases run;
    then `hang` or `reset` on every other request."""

    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stopping: asyncio.Event
    ) -> None:
        while (head := await _read_head(reader)) is not None:
            if head.startswith(b"GET /healthz "):
                writer.write(_response("200 OK", "application/json", b'{"status": "ok"}'))
                await writer.drain()
                continue
            if misbehave == "hang":
                await stopping.wait()
            else:
                _abort(writer)
            return

    return handle


def _without_connection_header(head: bytes) -> list[bytes]:
    return [
        line for line in head.rstrip(b"\r\n").split(b"\r\n")
        if not line.lower().startswith(b"connection:")
    ]  # fmt: skip


async def _forward(upstream: tuple[str, int], head: bytes, body: bytes) -> bytes:
    """One request to `upstream` on its own connection, which it closes after answering, so
    that the answer is simply everything it sends."""
    reader, writer = await asyncio.open_connection(*upstream)
    try:
        writer.write(
            b"\r\n".join([*_without_connection_header(head), b"Connection: close"])
            + b"\r\n\r\n"
            + body
        )
        await writer.drain()
        return await reader.read()
    finally:
        writer.close()


def closing_after_500(upstream: tuple[str, int]) -> Handler:
    """Pass requests to `upstream`, keeping the client's connection alive (answers go back
    without their `Connection: close`) until an answer is a 500: then the connection is closed
    when the next request on it arrives, without a word. This is what a client sees when it
    loses the race against uvicorn closing after an unhandled exception's 500 — every time."""

    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: asyncio.Event
    ) -> None:
        crashed = False
        while (message := await _read_message(reader)) is not None:
            if crashed:
                writer.close()
                return
            answer = await _forward(upstream, *message)
            head, _, answer_body = answer.partition(b"\r\n\r\n")
            crashed = head.split(b" ", 2)[1:2] == [b"500"]
            writer.write(b"\r\n".join(_without_connection_header(head)) + b"\r\n\r\n")
            writer.write(answer_body)
            await writer.drain()

    return handle


HOSTILE: dict[str, Handler] = {
    "hang": _hang,
    "stall-after-headers": _stall_after_headers,
    "reset": _reset,
    "html": _answer_every_request(
        _response("200 OK", "text/html", b"<html><body><h1>Welcome</h1></body></html>")
    ),
    "garbage-json": _answer_every_request(
        _response("200 OK", "application/json", b'{"access_token": tru')
    ),
    "wrong-json": _answer_every_request(
        _response("200 OK", "application/json", b'{"ok": true, "token": 42}')
    ),
    "always-500": _answer_every_request(
        _response("500 Internal Server Error", "text/plain", b"Internal Server Error")
    ),
    "healthy-then-hang": _healthy_then("hang"),
    "healthy-then-reset": _healthy_then("reset"),
}


@contextmanager
def serve_hostile(kind: str) -> Iterator[str]:
    """Run the hostile server *kind* on a free loopback port; yield its base URL."""
    with serve_handler(HOSTILE[kind], kind) as base_url:
        yield base_url


@contextmanager
def serve_handler(handler: Handler, name: str) -> Iterator[str]:
    """Run `handler` for every connection to a free loopback port; yield its base URL."""
    kind = name
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, asyncio.Server] = {}
    handlers: set[asyncio.Task[None]] = set()
    stopping = asyncio.Event()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            handlers.add(task)
        try:
            await handler(reader, writer, stopping)
        except ConnectionError:
            pass
        finally:
            writer.transport.abort()

    async def start() -> None:
        # A 64 KB header (ROBUST-SIZE-03) must reach the handler, not trip the default limit.
        box["server"] = await asyncio.start_server(tracked, "127.0.0.1", 0, limit=1 << 20)
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, name=f"hostile-{kind}", daemon=True)
    thread.start()
    if not ready.wait(5):
        raise RuntimeError(f"hostile server {kind!r} did not start")
    port = box["server"].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:

        async def shutdown() -> None:
            # Handlers end on their own once `stopping` is set; cancelling them instead trips a
            # Python 3.11 asyncio bug that logs a spurious traceback.
            box["server"].close()
            stopping.set()
            pending = {t for t in handlers if not t.done()}
            if pending:
                await asyncio.wait(pending, timeout=2)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
