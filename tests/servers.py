"""Real processes for tests: the reference server and redis-server on 127.0.0.1.

    with reference_server({"DUALTOKEN_STORE": f"sqlite:///{tmp_path}/t.db"}, workers=2) as server:
        httpx.get(f"{server.base_url}/healthz")

A thin layer over `reference_server.launcher` (the one launcher): test defaults (dev mode, a
memory store) and a `with` form that prints the server's log when it stops, so pytest shows it
next to a failing test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from reference_server import launcher
from reference_server.launcher import LOOPBACK, LaunchedServer, free_port

__all__ = [
    "DEFAULT_SERVER_ENV",
    "LOOPBACK",
    "REPO_ROOT",
    "Process",
    "RedisProcess",
    "ServerProcess",
    "ServerStartError",
    "free_port",
    "redis_server",
    "redis_server_binary",
    "reference_server",
    "server_env",
    "start_redis_server",
    "start_reference_server",
]

REPO_ROOT = Path(__file__).resolve().parent.parent

# Settings a test server gets unless the caller says otherwise: dev mode (fixed dev secret,
# demo user user1/password123) and a store that needs no file.
DEFAULT_SERVER_ENV: Mapping[str, str] = {"DUALTOKEN_DEV": "1", "DUALTOKEN_STORE": "memory://"}

ServerStartError = launcher.LaunchError
Process = LaunchedServer
ServerProcess = LaunchedServer


RedisProcess = launcher.RedisServer


def server_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without DUALTOKEN_* variables, plus defaults and *overrides*."""
    return launcher.server_env({**DEFAULT_SERVER_ENV, **(overrides or {})})


def start_reference_server(
    env: Mapping[str, str] | None = None,
    *,
    workers: int = 1,
    log_level: str = "warning",
    startup_timeout: float = 30.0,
    log_dir: Path | None = None,
    http: str | None = None,
    loop: str | None = None,
) -> ServerProcess:
    """Start the reference server with DEFAULT_SERVER_ENV updated by *env*; wait for /healthz."""
    return launcher.launch_reference(
        {**DEFAULT_SERVER_ENV, **(env or {})},
        workers=workers,
        log_level=log_level,
        http=http,
        loop=loop,
        ready_timeout=startup_timeout,
        log_dir=log_dir,
    )


def redis_server_binary() -> str | None:
    """Path of redis-server, or None when it is not installed."""
    return shutil.which("redis-server")


def start_redis_server(
    *, startup_timeout: float = 10.0, log_dir: Path | None = None
) -> RedisProcess:
    """Start a throwaway redis-server on a free loopback port; wait until it answers PING."""
    binary = redis_server_binary()
    if binary is None:
        raise ServerStartError("redis-server is not installed (apt-get install redis-server)")
    return launcher.launch_redis(binary, ready_timeout=startup_timeout, log_dir=log_dir)


@contextmanager
def reference_server(
    env: Mapping[str, str] | None = None,
    *,
    workers: int = 1,
    log_level: str = "warning",
    startup_timeout: float = 30.0,
) -> Iterator[ServerProcess]:
    """A running reference server for the `with` block; its log is printed when it stops."""
    server = start_reference_server(
        env, workers=workers, log_level=log_level, startup_timeout=startup_timeout
    )
    try:
        yield server
    finally:
        _stop_and_show(server)


@contextmanager
def redis_server(*, startup_timeout: float = 10.0) -> Iterator[RedisProcess]:
    """A running redis-server for the `with` block."""
    redis = start_redis_server(startup_timeout=startup_timeout)
    try:
        yield redis
    finally:
        _stop_and_show(redis)


def _stop_and_show(process: LaunchedServer) -> None:
    port = process.port
    status = process.stop()
    # pytest shows captured output only for failing tests, so this costs nothing when all pass.
    print(f"--- {process.name} on port {port} (exit status {status}) log:")
    print(process.log() or "(empty)")
    process.log_path.unlink(missing_ok=True)
