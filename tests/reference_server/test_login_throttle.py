"""The per-account failed-login throttle: its count, its window, and the login route using it;
the same rule counted in a shared store (SQLite file, Redis) for several workers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from conformance.embedded import reference_app
from reference_server.login_throttle import LoginThrottle, SharedLoginThrottle
from reference_server.store import RedisStore, SQLiteStore
from tests.conftest import StartServer


def test_the_limit_th_failure_closes_the_account_until_the_oldest_leaves_the_window() -> None:
    throttle = LoginThrottle(limit=3, window=60)
    for second in (0, 10, 20):
        assert throttle.retry_after("alice", second) == 0
        throttle.record_failure("alice", second)
    assert throttle.retry_after("alice", 30) == 30  # the failure at 0 leaves at 60
    assert throttle.retry_after("bob", 30) == 0  # per account
    assert throttle.retry_after("alice", 60) == 0
    throttle.record_failure("alice", 60)
    assert throttle.retry_after("alice", 61) == 9  # failures at 10, 20, 60: the 10 leaves at 70


def test_a_clock_moved_back_forgets_failures_from_its_future() -> None:
    throttle = LoginThrottle(limit=1, window=60)
    throttle.record_failure("alice", 1000)
    assert throttle.retry_after("alice", 500) == 0


def test_limit_zero_turns_it_off() -> None:
    throttle = LoginThrottle(limit=0)
    throttle.record_failure("alice", 0)
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


async def _failed(
    throttle: LoginThrottle, username: str, now: float, *, checking: float = 0.0
) -> int:
    """A wrong password (checked for `checking` seconds): its retry_after (0: it was let in)."""
    attempt = await throttle.reserve(username, now)
    if not attempt.retry_after:
        await asyncio.sleep(checking)
        await throttle.failed(username, attempt, now)
    return attempt.retry_after


async def _succeeded(throttle: LoginThrottle, username: str, now: float) -> int:
    """A right password, checked for 10 ms: its retry_after (0: it was let in)."""
    attempt = await throttle.reserve(username, now)
    if not attempt.retry_after:
        await asyncio.sleep(0.01)
        await throttle.release(username, attempt)
    return attempt.retry_after


@pytest.mark.anyio
async def test_shared_throttles_count_as_one_with_the_same_rule(
    throttles: tuple[LoginThrottle, LoginThrottle],
) -> None:
    first, second = throttles
    now = 1_893_456_000.25
    for n, second_of in enumerate((0, 10, 20)):
        either = (first, second)[n % 2]
        assert await _failed(either, "alice", now + second_of) == 0
    # Three failures between the two: both refuse, until the oldest leaves the window.
    assert await _failed(first, "alice", now + 30) == 30
    assert await _failed(second, "alice", now + 30) == 30
    assert await _failed(second, "bob", now + 30) == 0  # per account
    assert await _failed(first, "alice", now + 60) == 0  # the failure at 0 is out at 60 exactly
    assert await _failed(first, "alice", now + 61) == 9  # failures at 10, 20, 60
    # A test clock moved back: failures from its future do not count.
    assert await _failed(first, "alice", now - 500) == 0


@pytest.mark.anyio
async def test_a_right_password_gives_its_place_back(
    throttles: tuple[LoginThrottle, LoginThrottle],
) -> None:
    first, second = throttles
    now = 1_893_456_000.25
    assert await _failed(first, "alice", now) == 0
    for n in range(5):  # right passwords, on either worker, do not use the budget up
        assert await _succeeded((first, second)[n % 2], "alice", now + 1) == 0
    assert await _failed(second, "alice", now + 2) == 0
    assert await _failed(first, "alice", now + 3) == 0
    assert await _failed(second, "alice", now + 4) == 60 - 4


@pytest.mark.anyio
async def test_wrong_passwords_at_once_get_exactly_limit_checks(
    throttles: tuple[LoginThrottle, LoginThrottle],
) -> None:
    """The check and the reservation are one step: of 20 wrong logins at the same moment,
    split between two workers, 3 (the limit) are checked and the rest refused."""
    first, second = throttles
    now = 1_893_456_000.25
    answers = await asyncio.gather(
        *(_failed((first, second)[n % 2], "alice", now, checking=0.01) for n in range(20))
    )
    assert sorted(answers) == [0] * 3 + [60] * 17


@pytest.mark.anyio
async def test_right_passwords_at_once_wait_for_a_place_instead_of_being_refused(
    throttles: tuple[LoginThrottle, LoginThrottle],
) -> None:
    first, second = throttles
    now = 1_893_456_000.25
    answers = await asyncio.gather(
        *(_succeeded((first, second)[n % 2], "alice", now) for n in range(20))
    )
    assert answers == [0] * 20
    assert await _failed(second, "alice", now) == 0  # and none of them counts as a failure


# Wrong logins sent at once, over real connections: more than the limit, so that checking the
# count before the password hash and counting after it would let all of them be evaluated.
AT_ONCE = 45
# A user whose hash takes ~10 ms to verify (argon2 reads its cost from the hash, the demo
# user's takes ~0.5 ms), so that the logins overlap the way they do against a production hash:
# with the count checked before the hash and added after it, all 45 were checked (401) on
# every store. 1 MiB each keeps 45 at once small; the right ones take ~0.6 s all told, well
# inside the 5 s a login may wait for a place.
SLOW_HASHER = PasswordHasher(time_cost=20, memory_cost=1024, parallelism=1)
SLOW_USER, SLOW_PASSWORD = "slowpoke", "the-right-one"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("store", "workers"),
    [("memory", 1), ("sqlite", 2), pytest.param("redis", 2, marks=pytest.mark.redis)],
)
def test_concurrent_wrong_logins_are_evaluated_at_most_limit_times(
    store: str,
    workers: int,
    start_server: StartServer,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    users = tmp_path / "users.json"
    entry = {"username": SLOW_USER, "password_hash": SLOW_HASHER.hash(SLOW_PASSWORD)}
    users.write_text(json.dumps({"users": [entry]}))
    env = {"DUALTOKEN_USERS_FILE": str(users)}
    if store == "sqlite":
        env["DUALTOKEN_STORE"] = f"sqlite:///{tmp_path / 'throttle.db'}"
    elif store == "redis":
        env["DUALTOKEN_STORE"] = request.getfixturevalue("redis_url")
    server = start_server(env, workers=workers)
    limit = LoginThrottle().limit
    wrong = {"username": SLOW_USER, "password": "not-it"}
    right = {"username": SLOW_USER, "password": SLOW_PASSWORD}

    async def all_at_once() -> list[int]:
        limits = httpx.Limits(max_connections=AT_ONCE, max_keepalive_connections=AT_ONCE)
        async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=30) as c:
            # Right passwords at once take turns for the places, none refused.
            rights = await asyncio.gather(*(c.post("/login", json=right) for _ in range(AT_ONCE)))
            assert [answer.status_code for answer in rights] == [200] * AT_ONCE
            answers = await asyncio.gather(*(c.post("/login", json=wrong) for _ in range(AT_ONCE)))
            last = await c.post("/login", json=right)
        return [answer.status_code for answer in answers] + [last.status_code]

    statuses = asyncio.run(all_at_once())
    # Exactly `limit` wrong passwords were checked (401); every other attempt was refused
    # before its hash, and so is the right password now.
    assert sorted(statuses) == [401] * limit + [429] * (AT_ONCE - limit + 1)
