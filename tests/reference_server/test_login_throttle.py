"""The per-account failed-login throttle: its count, its window, and the login route using it;
the same rule counted in a shared store (SQLite file, Redis) for several workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from conformance.embedded import reference_app
from reference_server.login_throttle import LoginThrottle, SharedLoginThrottle
from reference_server.store import RedisStore, SQLiteStore


def test_the_limit_th_failure_closes_the_account_until_the_oldest_leaves_the_window() -> None:
    throttle = LoginThrottle(limit=3, window=60)
    for second in (0, 10, 20):
        assert throttle.retry_after("alice", second) == 0
        throttle.failed("alice", second)
    assert throttle.retry_after("alice", 30) == 30  # the failure at 0 leaves at 60
    assert throttle.retry_after("bob", 30) == 0  # per account
    assert throttle.retry_after("alice", 60) == 0
    throttle.failed("alice", 60)
    assert throttle.retry_after("alice", 61) == 9  # failures at 10, 20, 60: the 10 leaves at 70


def test_a_clock_moved_back_forgets_failures_from_its_future() -> None:
    throttle = LoginThrottle(limit=1, window=60)
    throttle.failed("alice", 1000)
    assert throttle.retry_after("alice", 500) == 0


def test_limit_zero_turns_it_off() -> None:
    throttle = LoginThrottle(limit=0)
    throttle.failed("alice", 0)
    assert throttle.retry_after("alice", 0) == 0


@pytest.mark.anyio
async def test_the_login_route_answers_429_with_retry_after_once_throttled() -> None:
    transport = httpx.ASGITransport(app=reference_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://ref") as client:
        wrong = {"username": "user1", "password": "not-it"}
        statuses = [(await client.post("/login", json=wrong)).status_code for _ in range(30)]
        assert set(statuses) == {401}
        throttled = await client.post("/login", json=wrong)
        assert throttled.status_code == 429
        assert int(throttled.headers["retry-after"]) > 0
        # The right password waits too: the throttle bounds guessing, it does not reward it.
        right = {"username": "user1", "password": "password123"}
        assert (await client.post("/login", json=right)).status_code == 429
        other = {"username": "someone-else", "password": "x"}
        assert (await client.post("/login", json=other)).status_code == 401


@pytest.fixture(params=["in process", "sqlite", pytest.param("redis", marks=pytest.mark.redis)])
async def throttles(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[LoginThrottle, LoginThrottle]]:
    """Two throttles that must count as one (two workers), with a limit of 3 per 60 s.

    "in process" is the one throttle twice: the rule itself, which the shared ones must match.
    """
    if request.param == "in process":
        one = LoginThrottle(limit=3, window=60)
        yield one, one
        return
    stores: list[SQLiteStore | RedisStore]
    if request.param == "sqlite":
        stores = [SQLiteStore(tmp_path / "throttle.db"), SQLiteStore(tmp_path / "throttle.db")]
    else:
        url = request.getfixturevalue("redis_url")
        stores = [RedisStore(url), RedisStore(url)]
    try:
        yield (
            SharedLoginThrottle(store=stores[0], limit=3, window=60),
            SharedLoginThrottle(store=stores[1], limit=3, window=60),
        )
    finally:
        for store in stores:
            await store.close()


@pytest.mark.anyio
async def test_shared_throttles_count_as_one_with_the_same_rule(
    throttles: tuple[LoginThrottle, LoginThrottle],
) -> None:
    first, second = throttles
    now = 1_893_456_000.25
    for n, second_of in enumerate((0, 10, 20)):
        either = (first, second)[n % 2]
        assert await either.wait("alice", now + second_of) == 0
        await either.record_failure("alice", now + second_of)
    # Three failures between the two: both refuse, until the oldest leaves the window.
    assert await first.wait("alice", now + 30) == 30
    assert await second.wait("alice", now + 30) == 30
    assert await second.wait("bob", now + 30) == 0  # per account
    assert await first.wait("alice", now + 60) == 0  # the failure at 0 is out at 60 exactly
    await second.record_failure("alice", now + 60)
    assert await first.wait("alice", now + 61) == 9  # failures at 10, 20, 60
    # A test clock moved back: failures from its future do not count.
    assert await first.wait("alice", now - 500) == 0
