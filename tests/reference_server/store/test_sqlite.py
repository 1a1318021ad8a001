"""The SQLite store (sqlite:///path, the default): a file shared by workers and restarts."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reference_server.store import Link, Rotation, SQLiteStore
from tests.reference_server.store.contract import NOW, PurgingStoreContract, link


class TestSQLiteStore(PurgingStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[SQLiteStore]:
        store = SQLiteStore(tmp_path / "store.db")
        yield store
        await store.close()


class TestSQLiteInMemoryDatabase(PurgingStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[SQLiteStore]:
        store = SQLiteStore(":memory:")
        yield store
        await store.close()


pytestmark = pytest.mark.anyio


async def test_everything_survives_closing_and_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    first = SQLiteStore(path)
    await first.revoke("sid:s", until=NOW + 3600, now=NOW)
    await first.begin_session("t", link("r0"))
    await first.rotate("t", "r0", link("r1"), now=NOW, grace=0)
    await first.set_clock_offset(42.0)
    await first.close()

    reopened = SQLiteStore(path)
    try:
        assert await reopened.any_revoked(["sid:s"])
        assert (await reopened.rotate("t", "r0", link("x"), now=NOW, grace=0)).outcome is (
            Rotation.REUSED
        )
        assert await reopened.get_clock_offset() == 42.0
    finally:
        await reopened.close()


async def test_two_connections_to_one_file_see_each_other(tmp_path: Path) -> None:
    one, two = SQLiteStore(tmp_path / "s.db"), SQLiteStore(tmp_path / "s.db")
    try:
        await one.revoke("jti:a", until=NOW + 900, now=NOW)
        await one.set_clock_offset(7.0)
        await one.begin_session("s", link("r0"))
        await one.rotate("s", "r0", link("r1"), now=NOW, grace=0)
        assert await two.any_revoked(["jti:a"])
        assert await two.get_clock_offset() == 7.0
        assert (await two.rotate("s", "r0", link("x"), now=NOW, grace=0)).outcome is (
            Rotation.REUSED
        )
    finally:
        await one.close()
        await two.close()


def test_rotation_is_atomic_across_connections_in_parallel_threads(tmp_path: Path) -> None:
    # Each thread is a "worker" with its own connection, racing on BEGIN IMMEDIATE.
    path = tmp_path / "race.db"
    setup = SQLiteStore(path)
    asyncio.run(setup.begin_session("s", link("r0")))
    start = threading.Barrier(8)
    outcomes: list[Rotation] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        store = SQLiteStore(path)
        start.wait()
        for attempt in range(5):
            successor = Link(f"r1-{n}-{attempt}", int(NOW), int(NOW) + 3600)
            verdict = asyncio.run(store.rotate("s", "r0", successor, now=NOW, grace=0))
            with lock:
                outcomes.append(verdict.outcome)
        asyncio.run(store.close())

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    asyncio.run(setup.close())
    assert len(outcomes) == 40
    assert outcomes.count(Rotation.ROTATED) == 1
