"""Run the app under uvicorn, with one or several worker processes."""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "reference_server.app:app_from_env"


class _Config(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        # uvicorn opens the shared worker socket with protocol 0, so asyncio never sets
        # TCP_NODELAY on the connections it accepts, and Nagle's algorithm then holds each
        # response body until the client's delayed ACK: ~40 ms added to every request.
        return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def serve(
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    http: str = "auto",
    loop: str = "auto",
) -> None:
    config = _Config(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        http=http,
        loop=loop,
        timeout_keep_alive=30,
        # Off unless it would be shown: uvicorn formats every access line's fields (client
        # address, quoted path) before the logger's level drops it, a few µs a request.
        access_log=log_level in ("debug", "info", "trace"),
        # Which server software answers is nobody's business (and costs a header a response).
        server_header=False,
    )
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()
