"""The per-account failed-login throttle: its count, its window, and the login route using it."""

from __future__ import annotations

import httpx
import pytest

from conformance.embedded import reference_app
from reference_server.login_throttle import LoginThrottle


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
