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


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    """Consume one request (head and Content-Length body); its head, or None at end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    if length:
        await reader.readexactly(length)
    return head


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
    handler = HOSTILE[kind]
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
        box["server"] = await asyncio.start_server(tracked, "127.0.0.1", 0)
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
