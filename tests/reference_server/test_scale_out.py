"""Several workers behave as one server: a shared /refresh budget, one users directory, and
SQLite writes that wait for another worker's lock without stopping the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from reference_server.login_throttle import LoginThrottle
from reference_server.store import SQLiteStore
from tests.conftest import StartServer
from tests.reference_server.rawhttp import Connection, build_request, connections_per_worker
from tests.servers import ServerProcess

LOGIN = {"username": "user1", "password": "password123"}


def _login(base_url: str) -> dict[str, str]:
    response = httpx.post(f"{base_url}/login", json=LOGIN)
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def _one_connection_per_worker(server: ServerProcess) -> list[Connection]:
    connections = await connections_per_worker(server, 1, workers=2)
    assert len({connection.pid for connection in connections}) == 2
    return connections


def _store_url(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if store == "redis":
        url: str = request.getfixturevalue("redis_url")
        return url
    return f"sqlite:///{tmp_path / 'shared.db'}"


STORES = ["sqlite", pytest.param("redis", marks=pytest.mark.redis)]


@pytest.mark.slow
@pytest.mark.parametrize("store", STORES)
def test_the_refresh_rate_limit_holds_across_workers(
    store: str, start_server: StartServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    limit = 4
    server = start_server(
        {
            "DUALTOKEN_STORE": _store_url(store, tmp_path, request),
            "DUALTOKEN_REFRESH_RATE_LIMIT": str(limit),
        },
        workers=2,
    )
    refresh = build_request(
        "POST", "/refresh", json_body={"refresh_token": _login(server.base_url)["refresh_token"]}
    )

    async def alternate() -> list[int]:
        connections = await _one_connection_per_worker(server)
        try:
            # Two budgets (one per process) would let 2 x limit through.
            return [(await connections[n % 2].send(refresh)).status for n in range(3 * limit)]
        finally:
            for connection in connections:
                connection.close()

    statuses = asyncio.run(alternate())
    assert statuses == [200] * limit + [429] * (2 * limit)


@pytest.mark.slow
@pytest.mark.parametrize("store", STORES)
def test_the_login_throttle_holds_across_workers(
    store: str, start_server: StartServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    server = start_server({"DUALTOKEN_STORE": _store_url(store, tmp_path, request)}, workers=2)
    wrong = build_request("POST", "/login", json_body={"username": "user1", "password": "nope"})
    right = build_request("POST", "/login", json_body=LOGIN)
    limit = LoginThrottle().limit

    async def alternate() -> list[int]:
        connections = await _one_connection_per_worker(server)
        try:
            # Counted per process, each worker would take `limit` failures: 2 x limit guesses.
            guesses = [(await connections[n % 2].send(wrong)).status for n in range(limit + 4)]
            rights = [(await connection.send(right)).status for connection in connections]
            return guesses + rights
        finally:
            for connection in connections:
                connection.close()

    statuses = asyncio.run(alternate())
    assert statuses == [401] * limit + [429] * 4 + [429, 429]


@pytest.mark.slow
@pytest.mark.parametrize("store", STORES)
def test_a_test_hook_user_change_reaches_every_worker(
    store: str, start_server: StartServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        request.getfixturevalue("redis_url")
        if store == "redis"
        else f"sqlite:///{tmp_path / 'users.db'}"
    )
    server = start_server(
        {"DUALTOKEN_STORE": url, "DUALTOKEN_TEST_CLOCK": "1", "DUALTOKEN_REFRESH_RATE_LIMIT": "0"},
        workers=2,
    )
    access = _login(server.base_url)["access_token"]
    protected = build_request("GET", "/protected", headers={"Authorization": f"Bearer {access}"})
    disable = build_request("POST", "/__test__/users/user1/disable")
    enable = build_request("POST", "/__test__/users/user1/enable")

    async def across() -> list[int]:
        first, second = await _one_connection_per_worker(server)
        try:
            return [
                (await first.send(disable)).status,
                (await second.send(protected)).status,  # the other worker sees the change
                (await first.send(protected)).status,
                (await second.send(enable)).status,
                (await first.send(protected)).status,
                (await second.send(protected)).status,
            ]
        finally:
            first.close()
            second.close()

    assert asyncio.run(across()) == [200, 401, 401, 200, 200, 200]


@pytest.mark.anyio
async def test_a_sqlite_write_waiting_for_a_lock_leaves_the_event_loop_free(
    tmp_path: Path,
) -> None:
    path = tmp_path / "contended.db"
    store = SQLiteStore(path)
    other_worker = sqlite3.connect(path, isolation_level=None)
    other_worker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        write = asyncio.create_task(store.revoke("jti:x", until=time.time() + 60, now=time.time()))
        ticks = 0
        started = time.monotonic()
        while time.monotonic() - started < 0.5:
            await asyncio.sleep(0.01)
            ticks += 1
        assert not write.done()  # still waiting for the lock...
        assert ticks >= 10  # ...while the loop went on serving (blocked, it would tick ~once)
        assert await store.any_revoked(["jti:x"]) is False  # reads do not wait for the lock
    finally:
        other_worker.execute("COMMIT")
        other_worker.close()
    await asyncio.wait_for(write, 10)
    assert await store.any_revoked(["jti:x"]) is True
    await store.close()


@pytest.mark.anyio
async def test_counting_in_a_locked_sqlite_file_leaves_the_event_loop_free(
    tmp_path: Path,
) -> None:
    """The shared counters are writes too: waiting for another worker's lock must not stall
    the loop. Its latency is measured while a refresh count and a login attempt wait."""
    path = tmp_path / "contended.db"
    store = SQLiteStore(path)
    other_worker = sqlite3.connect(path, isolation_level=None)
    other_worker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    now = time.time()
    try:
        count = asyncio.create_task(store.rate_hit("c", now, interval=1.0, window=10.0))
        failure = asyncio.create_task(
            store.reserve_login_attempt("alice", now, window=60.0, limit=30)
        )
        gaps: list[float] = []
        started = last = time.monotonic()
        while time.monotonic() - started < 0.5:
            await asyncio.sleep(0.005)
            gaps.append(time.monotonic() - last)
            last = time.monotonic()
        assert not count.done() and not failure.done()  # still waiting for the lock...
        # ...while the loop kept running: a blocked loop shows one gap of the whole 0.5 s.
        assert max(gaps) < 0.25, f"the event loop stalled for {max(gaps):.3f} s"
        assert len(gaps) >= 20
        assert await store.login_failures("alice", now, window=60.0) == (0, 0.0)  # reads go on
    finally:
        other_worker.execute("COMMIT")
        other_worker.close()
    assert await asyncio.wait_for(count, 10) == 0.0
    status, handle, _ = await asyncio.wait_for(failure, 10)
    assert status == "granted"
    await store.fail_login_attempt("alice", handle, now, window=60.0)
    assert await store.login_failures("alice", now, window=60.0) == (1, now)
    await store.close()
