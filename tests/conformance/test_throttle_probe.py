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
from conformance.context import CaseContext
from conformance.forge import Forger
from conformance.outcomes import CaseFailure
from conformance.pacing import Pacer
from conformance.profile import parse_profile
from conformance.target import Target
from conformance.timecontrol import make_time_control

PROFILE = """
[target]
base_url = "http://127.0.0.1:9"
[credentials]
username = "u"
password = "p"
[paths]
protected = ["/me"]
"""

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
    profile = parse_profile(tomllib.loads(PROFILE))
    app = SlowRefusals()

    async def probe() -> None:
        async with Target(profile.with_base_url(""), app=app) as target:
            clock = make_time_control(profile, target)
            pacer = Pacer(profile, real_time=True)
            ctx = CaseContext(profile, target, clock, Forger(profile.signing), pacer=pacer)
            await throttled(ctx)

    started = time.monotonic()
    with pytest.raises(CaseFailure, match="without a throttle"):
        asyncio.run(probe())
    assert app.logins == ATTEMPTS
    # Batched, the probe takes about a dozen login times, not 101.
    assert time.monotonic() - started < TIME_BUDGET
