"""A minimal HTTP/1.1 client over plain sockets, for what httpx will not do: send arbitrary header
bytes, fire many requests at the same instant, and tell which worker process served a connection.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.servers import LOOPBACK, Process


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers keep the last value
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def build_request(
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | Sequence[tuple[bytes, bytes]] = (),
    body: bytes = b"",
    json_body: Any = None,
) -> bytes:
    """The bytes of one request; header values may be raw bytes (non-ASCII, control chars...)."""
    if json_body is not None:
        body = json.dumps(json_body).encode()
    pairs = (
        [(k.encode(), v.encode()) for k, v in headers.items()]
        if isinstance(headers, Mapping)
        else list(headers)
    )
    if json_body is not None:
        pairs.append((b"Content-Type", b"application/json"))
    if body or method in ("POST", "PUT"):
        pairs.append((b"Content-Length", str(len(body)).encode()))
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: " + LOOPBACK.encode()]
    lines += [name + b": " + value for name, value in pairs]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers


def read_response(sock: socket.socket) -> RawResponse:
    """Read one response (Content-Length framed, as uvicorn frames JSON) from a blocking socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65_536)
        if not chunk:
            raise ConnectionError(f"connection closed after {len(data)} bytes: {data[:200]!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, headers = parse_head(head)
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65_536)
        if not chunk:
            break
        body += chunk
    return RawResponse(status, headers, body[:length])


def exchange(port: int, request: bytes, *, timeout: float = 10.0) -> RawResponse:
    """Send *request* on a fresh connection and read the answer."""
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
        sock.sendall(request)
        return read_response(sock)


def exchange_with_server_pid(
    server: Process, request: bytes, *, timeout: float = 10.0
) -> tuple[RawResponse, int]:
    """Like exchange(), and also which process of *server* (e.g. which worker) answered."""
    with socket.create_connection((LOOPBACK, server.port), timeout=timeout) as sock:
        sock.sendall(request)
        response = read_response(sock)
        # Still connected: the server's end of this connection is an open file of one process.
        pid = serving_pid(server, sock.getsockname()[1])
    return response, pid


def serving_pid(server: Process, client_port: int) -> int:
    """The PID holding the server side of the loopback connection from *client_port* (Linux)."""
    return serving_pids(server, [client_port])[client_port]


def serving_pids(server: Process, client_ports: Sequence[int]) -> dict[int, int]:
    """serving_pid() for several connections, reading the kernel's socket table once."""
    inodes = _server_socket_inodes(server.port)
    wanted = {}
    for port in client_ports:
        if port not in inodes:
            raise LookupError(f"no server socket for the connection from port {port}")
        wanted[f"socket:[{inodes[port]}]"] = port
    found: dict[int, int] = {}
    for pid in [server.pid, *server.descendants()]:
        fd_dir = Path(f"/proc/{pid}/fd")
        try:
            names = os.listdir(fd_dir)
        except OSError:
            continue
        for name in names:
            try:
                client = wanted.get(os.readlink(fd_dir / name))
            except OSError:
                continue
            if client is not None:
                found[client] = pid
    missing = set(client_ports) - set(found)
    if missing:
        raise LookupError(f"no process of {server.name} holds the connections from {missing}")
    return found


def _server_socket_inodes(server_port: int) -> dict[int, int]:
    """Remote port -> socket inode, for the sockets whose local port is *server_port*.

    /proc/net/tcp rows are "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout
    inode ...", addresses as HEXIP:HEXPORT. The table may hold thousands of TIME_WAIT rows from
    other tests, so it is searched with one regular expression rather than split row by row.
    """
    table = Path("/proc/net/tcp").read_bytes()
    row = re.compile(
        rb"^ *\d+: [0-9A-F]{8}:%04X [0-9A-F]{8}:([0-9A-F]{4}) (?:\S+ +){6}(\d+)" % server_port,
        re.MULTILINE,
    )
    return {int(port, 16): int(inode) for port, inode in row.findall(table) if inode != b"0"}


@dataclass
class Connection:
    """An open keep-alive connection, and the PID of the server process that accepted it."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    pid: int

    async def send(self, request: bytes) -> RawResponse:
        self.writer.write(request)
        await self.writer.drain()
        return await _read_async(self.reader)

    def close(self) -> None:
        self.writer.close()


async def connections_per_worker(
    server: Process, per_worker: int, *, workers: int, max_connections: int = 400
) -> list[Connection]:
    """*per_worker* open connections to each of *workers* server processes.

    A burst of connections tends to be accepted by whichever worker wakes first (asyncio
    accepts up to 100 per wake-up), so connections are opened one by one, each answering a
    GET /healthz before the next is opened; then the ones a worker does not need are closed.
    """
    kept: list[Connection] = []
    counts: dict[int, int] = {}
    opened = 0
    while opened < max_connections:
        batch = []
        for _ in range(per_worker * workers):
            reader, writer = await asyncio.open_connection(LOOPBACK, server.port)
            writer.write(build_request("GET", "/healthz"))
            await writer.drain()
            await _read_async(reader)
            batch.append((reader, writer))
        opened += len(batch)
        pids = serving_pids(server, [writer.get_extra_info("sockname")[1] for _, writer in batch])
        for reader, writer in batch:
            pid = pids[writer.get_extra_info("sockname")[1]]
            if counts.get(pid, 0) < per_worker:
                counts[pid] = counts.get(pid, 0) + 1
                kept.append(Connection(reader, writer, pid))
            else:
                writer.close()
        if len(counts) == workers and all(n == per_worker for n in counts.values()):
            return kept
    for connection in kept:
        connection.close()
    raise LookupError(f"after {opened} connections, the workers had served {counts}")


async def send_at_once(connections: Sequence[Connection], request: bytes) -> list[RawResponse]:
    """Send *request* on every connection with no await in between, then read every answer."""
    for connection in connections:
        connection.writer.write(request)
    await asyncio.gather(*(connection.writer.drain() for connection in connections))
    responses = await asyncio.gather(*(_read_async(c.reader) for c in connections))
    return list(responses)


async def _read_async(reader: asyncio.StreamReader) -> RawResponse:
    head = await reader.readuntil(b"\r\n\r\n")
    status, headers = parse_head(head[:-4])
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return RawResponse(status, headers, body)
