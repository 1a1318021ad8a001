"""Fixtures for every test folder: the anyio backend, redis-server, real reference servers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

import pytest
import redis

from tests.servers import (
    RedisProcess,
    ServerProcess,
    redis_server_binary,
    start_redis_server,
    start_reference_server,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # CI installs redis-server; elsewhere, tests that need it are skipped, never failed.
    if redis_server_binary() is not None:
        return
    skip = pytest.mark.skip(reason="redis-server is not installed (apt-get install redis-server)")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (`@pytest.mark.anyio`) run on asyncio, as uvicorn does."""
    return "asyncio"


@pytest.fixture(scope="session")
def redis_process() -> Iterator[RedisProcess]:
    """One redis-server for the whole run; use `redis_url`, which empties it first."""
    process = start_redis_server()
    yield process
    process.stop()


@pytest.fixture
def redis_url(redis_process: RedisProcess) -> str:
    """The URL of an empty Redis database (DUALTOKEN_STORE value)."""
    with redis.Redis(host="127.0.0.1", port=redis_process.port) as client:
        client.flushall()
    return redis_process.url


class StartServer(Protocol):
    def __call__(
        self, env: Mapping[str, str] | None = None, *, workers: int = 1
    ) -> ServerProcess: ...


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """`start_server(env, workers=1)` → a running reference server, stopped after the test.

    *env* updates tests.servers.DEFAULT_SERVER_ENV (dev mode, memory store). The servers' logs
    are printed at teardown, so pytest shows them with a failing test.
    """
    started: list[ServerProcess] = []

    def start(env: Mapping[str, str] | None = None, *, workers: int = 1) -> ServerProcess:
        server = start_reference_server(env, workers=workers)
        started.append(server)
        return server

    yield start
    for server in started:
        status = server.stop()
        print(f"--- reference server on port {server.port} (exit status {status}) log:")
        print(server.log() or "(empty)")
        server.log_path.unlink(missing_ok=True)
