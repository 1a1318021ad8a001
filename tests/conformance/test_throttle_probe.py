"""THROTTLE-LOGIN-01 against a target whose wrong logins are slow (a password KDF) but which
throttles nothing: the probe must still reach its verdict, not give up on the time it would
take one by one."""

from __future__ import annotations

import asyncio
import time
import tomllib
from typing import Any

import pytest

from conformance.catalogue.throttle import ATTEMPTS, TIME_BUDGET, throttled
from conformance.outcomes import CaseFailure
from conformance.profile import parse_profile
from tests.conformance.case_context import MINIMAL_PROFILE, with_case_context

# Slow enough that 101 logins one by one (30 s) would be over the probe's budget.
HASH_S = 0.3


class SlowRefusals:
    """Refuses every login after HASH_S, concurrently, as a server hashing in a thread pool."""

    def __init__(self) -> None:
        self.logins = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        self.logins += 1
        await asyncio.sleep(HASH_S)
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b'{"detail":"bad credentials"}'})


def test_slow_wrong_logins_without_a_throttle_still_fail_the_probe() -> None:
    assert HASH_S * ATTEMPTS > TIME_BUDGET
    profile = parse_profile(tomllib.loads(MINIMAL_PROFILE))
    app = SlowRefusals()
    started = time.monotonic()
    with pytest.raises(CaseFailure, match="without a throttle"):
        asyncio.run(with_case_context(profile, app, throttled))
    assert app.logins == ATTEMPTS
    # Batched, the probe takes about a dozen login times, not 101.
    assert time.monotonic() - started < TIME_BUDGET
