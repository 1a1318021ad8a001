"""RateLimiter: a burst of `limit`, then one request per window/limit, per client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reference_server import ratelimit
from reference_server.ratelimit import RateLimiter, SharedRateLimiter
from reference_server.store import RedisStore, SQLiteStore

NOW = 1_000_000.0


def test_a_burst_of_limit_then_a_wait_of_one_interval() -> None:
    limiter = RateLimiter(limit=3, window=60)
    assert [limiter.hit("a", NOW) for _ in range(3)] == [0, 0, 0]
    assert limiter.hit("a", NOW) == 20
    assert limiter.hit("a", NOW + 19) == 1
    assert limiter.hit("a", NOW + 20) == 0
    assert limiter.hit("a", NOW + 20) == 20


def test_refused_requests_do_not_use_up_the_budget() -> None:
    limiter = RateLimiter(limit=2, window=10)
    limiter.hit("a", NOW)
    limiter.hit("a", NOW)
    for _ in range(100):
        assert limiter.hit("a", NOW) > 0
    assert limiter.hit("a", NOW + 5) == 0


def test_clients_are_counted_separately() -> None:
    limiter = RateLimiter(limit=1, window=60)
    assert limiter.hit("a", NOW) == 0
    assert limiter.hit("a", NOW) > 0
    assert limiter.hit("b", NOW) == 0


def test_retry_after_is_a_whole_number_of_seconds_at_least_one() -> None:
    limiter = RateLimiter(limit=7, window=10)  # one per 1.43 s
    for _ in range(7):
        limiter.hit("a", NOW)
    wait = limiter.hit("a", NOW)
    assert isinstance(wait, int)
    assert wait == 2  # ceil(1.43)
    assert limiter.hit("a", NOW + 1.42) == 1


def test_a_clock_moved_backwards_starts_afresh() -> None:
    limiter = RateLimiter(limit=1, window=60)
    limiter.hit("a", NOW)
    assert limiter.hit("a", NOW - 3600) == 0


def test_zero_disables_the_limit() -> None:
    limiter = RateLimiter(limit=0, window=60)
    assert not limiter.enabled
    assert all(limiter.hit("a", NOW) == 0 for _ in range(1000))


def test_idle_clients_are_forgotten_so_memory_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ratelimit, "_MAX_CLIENTS", 100)
    limiter = RateLimiter(limit=5, window=10)
    for n in range(1000):
        limiter.hit(f"client-{n}", NOW + n)  # each client idle again 2 s later
    assert len(limiter._tat) <= 100


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
async def two_shared(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[SharedRateLimiter, SharedRateLimiter]]:
    """Two limiters (two workers) over one shared store, limit 3 per 60 s."""
    stores: list[SQLiteStore | RedisStore]
    if request.param == "sqlite":
        stores = [SQLiteStore(tmp_path / "rate.db"), SQLiteStore(tmp_path / "rate.db")]
    else:
        url = request.getfixturevalue("redis_url")
        stores = [RedisStore(url), RedisStore(url)]
    try:
        yield (
            SharedRateLimiter(limit=3, window=60, store=stores[0]),
            SharedRateLimiter(limit=3, window=60, store=stores[1]),
        )
    finally:
        for store in stores:
            await store.close()


@pytest.mark.anyio
async def test_a_shared_limiter_applies_the_same_rule_to_one_budget(
    two_shared: tuple[SharedRateLimiter, SharedRateLimiter],
) -> None:
    first, second = two_shared
    local = RateLimiter(limit=3, window=60)
    moments = [NOW, NOW, NOW, NOW, NOW + 19, NOW + 20, NOW + 20, NOW - 3600]
    shared = [await (first, second)[n % 2].check("a", moment) for n, moment in enumerate(moments)]
    assert shared == [local.hit("a", moment) for moment in moments]
    assert shared == [0, 0, 0, 20, 1, 0, 20, 0]
    assert await second.check("b", NOW) == 0  # per client
