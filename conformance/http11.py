"""The suite's own HTTP/1.1 client: writes each request byte for byte over an asyncio socket and
reads the answer with h11.

httpx (through h11) refuses to send some byte sequences a case needs — a header value with a
trailing space such as `Authorization: Bearer `, raw non-UTF-8 bytes, an odd method or
request-target — and a robustness case must never end in ERROR because of our own client. So
the request is written here as given; only the answer is parsed by h11, which has no opinion
about what we sent.

Connections are kept alive and reused. A server may close an idle keep-alive connection at any
moment (uvicorn does so right after the 500 of an unhandled exception, without
`Connection: close`); a request that fails on a *reused* connection before any byte of an answer
arrived is therefore sent once more on a new connection, as browsers and curl do. A failure on a
new connection is the target's and is raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field

import h11
import httpx

__all__ = ["Connection", "HTTP11Client", "RawRequest", "RawResponse"]

# Answers with bigger heads than this are a protocol error rather than a memory sink.
MAX_HEAD_BYTES = 1 << 20
READ_CHUNK = 65_536
# Idle keep-alive connections kept per client; concurrency cases open more and close the rest.
MAX_IDLE = 16


@dataclass
class RawRequest:
    """A request exactly as it goes on the wire (the head is built from these, not validated)."""

    method: bytes
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""

    def head(self) -> bytes:
        lines = [self.method + b" " + self.target + b" HTTP/1.1"]
        lines += [name + b": " + value for name, value in self.headers]
        return b"\r\n".join(lines) + b"\r\n\r\n"

    @property
    def asks_to_close(self) -> bool:
        return any(
            name.lower() == b"connection" and b"close" in value.lower()
            for name, value in self.headers
        )


@dataclass
class RawResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    # Why the request was sent a second time (empty when it was not).
    retried: str = ""
    http_version: bytes = b"1.1"
    reason: bytes = field(default=b"")


class _NothingAnswered(Exception):
    """The connection failed before any byte of an answer arrived; `error` says how."""

    def __init__(self, error: httpx.TransportError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(eq=False)
class Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    @property
    def usable(self) -> bool:
        """Still open as far as we can tell without sending (a FIN already read shows here)."""
        return not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        # abort, not close: nothing of ours is left to flush, and no lingering TIME_WAIT dance.
        transport = self.writer.transport
        with contextlib.suppress(Exception):
            transport.abort()


def _answer_parser(method: bytes) -> h11.Connection:
    """An h11 client connection primed as if the request had gone through it, so that it frames
    the answer (a HEAD answer has no body) while our own bytes went on the wire."""
    parser = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)
    stand_in = b"HEAD" if method.upper() == b"HEAD" else b"GET"
    parser.send(h11.Request(method=stand_in, target=b"/", headers=[(b"host", b"stand-in")]))
    parser.send(h11.EndOfMessage())
    return parser


class HTTP11Client:
    """Sends RawRequests to one origin (host, port, TLS or not) over pooled connections."""

    def __init__(self, host: str, port: int, *, tls: bool) -> None:
        self.host = host
        self.port = port
        self._tls: ssl.SSLContext | None = ssl.create_default_context() if tls else None
        self._idle: list[Connection] = []
        # Every connection this client opened (pooled or in use), so aclose can end them all.
        self._open: set[Connection] = set()
        self.connections_opened = 0

    async def _connect(self) -> Connection:
        try:
            reader, writer = await asyncio.open_connection(
                self.host,
                self.port,
                ssl=self._tls,
                server_hostname=self.host if self._tls else None,
                limit=MAX_HEAD_BYTES,
            )
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from None
        connection = Connection(reader, writer)
        self._open.add(connection)
        self.connections_opened += 1
        return connection

    def _discard(self, connection: Connection) -> None:
        connection.close()
        self._open.discard(connection)

    def _take_idle(self) -> Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if connection.usable:
                return connection
            self._discard(connection)
        return None

    def _release(self, connection: Connection) -> None:
        if connection.usable and len(self._idle) < MAX_IDLE:
            self._idle.append(connection)
        else:
            self._discard(connection)

    async def send(self, request: RawRequest) -> RawResponse:
        reused = self._take_idle()
        connection = reused or await self._connect()
        try:
            return await self._exchange(connection, request)
        except _NothingAnswered as nothing:
            if reused is None:
                raise nothing.error from None
            why = f"the target had closed the reused connection ({nothing.error})"
        response = await self._exchange_or_raise(await self._connect(), request)
        response.retried = why
        return response

    async def _exchange_or_raise(self, connection: Connection, request: RawRequest) -> RawResponse:
        try:
            return await self._exchange(connection, request)
        except _NothingAnswered as nothing:
            raise nothing.error from None

    async def _exchange(self, connection: Connection, request: RawRequest) -> RawResponse:
        """One request and its answer on `connection`, which is pooled again only when both
        sides keep it alive and the answer was read whole."""
        keep = False
        try:
            write_error = await self._write(connection, request)
            response, keep = await self._read(connection, request.method, write_error)
            keep = keep and not request.asks_to_close
            return response
        finally:
            # Also on cancellation (a deadline): a half-read connection is never reused.
            if keep:
                self._release(connection)
            else:
                self._discard(connection)

    @staticmethod
    async def _write(connection: Connection, request: RawRequest) -> httpx.WriteError | None:
        """Send the request; a failure is returned, not raised: a server may refuse a request
        before reading all of it and still answer it (413 for a huge body), so read anyway."""
        try:
            connection.writer.write(request.head() + request.body)
            await connection.writer.drain()
        except (OSError, RuntimeError) as exc:
            return httpx.WriteError(str(exc) or type(exc).__name__)
        return None

    @staticmethod
    async def _read(
        connection: Connection, method: bytes, write_error: httpx.WriteError | None
    ) -> tuple[RawResponse, bool]:
        parser = _answer_parser(method)
        received = 0
        response: RawResponse | None = None
        body: list[bytes] = []
        while True:
            try:
                event = parser.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(f"malformed answer: {exc}") from None
            if event is h11.NEED_DATA:
                try:
                    data = await connection.reader.read(READ_CHUNK)
                except (OSError, ssl.SSLError) as exc:
                    error = httpx.ReadError(str(exc) or type(exc).__name__)
                    if received == 0:
                        raise _NothingAnswered(error) from None
                    raise error from None
                if not data and received == 0:
                    raise _NothingAnswered(
                        write_error
                        or httpx.RemoteProtocolError(
                            "Server disconnected without sending a response."
                        )
                    )
                received += len(data)
                try:
                    parser.receive_data(data)
                except h11.RemoteProtocolError as exc:
                    raise httpx.RemoteProtocolError(f"malformed answer: {exc}") from None
            elif isinstance(event, h11.Response):
                response = RawResponse(
                    status=event.status_code,
                    headers=[(name, value) for name, value in event.headers.raw_items()],
                    body=b"",
                    http_version=event.http_version,
                    reason=event.reason,
                )
            elif isinstance(event, h11.Data):
                body.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                assert response is not None
                response.body = b"".join(body)
                keep = parser.our_state is h11.DONE and parser.their_state is h11.DONE
                return response, keep
            elif isinstance(event, h11.ConnectionClosed):
                raise httpx.RemoteProtocolError("the connection closed before the answer ended")
            # InformationalResponse (1xx): skipped; the final answer follows.

    async def aclose(self) -> None:
        for connection in list(self._open):
            self._discard(connection)
        self._idle.clear()
