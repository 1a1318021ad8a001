"""Moving the target's time, four ways: freeze (in-process), clock (test endpoint), forge, wait.

`now()` is the target's idea of the current time, which is what forged `exp`/`nbf`/`iat` claims
are measured against; `precision` is how far that reading may be off, which checks on the
boundary (leeway, lifetimes) must allow for.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from freezegun import freeze_time

from conformance.exchange import Exchange
from conformance.outcomes import HarnessError, Skipped
from conformance.profile import Profile
from conformance.target import Target

__all__ = ["TimeControl", "make_time_control"]


class TimeControl(Protocol):
    mode: str
    can_advance: bool
    precision: float

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def now(self, record: list[Exchange]) -> float: ...

    async def advance(self, seconds: float, record: list[Exchange]) -> None: ...


class FrozenTime:
    """freezegun around the whole in-process run; `advance` ticks the frozen clock."""

    mode = "freeze"
    can_advance = True
    precision = 0.0

    def __init__(self) -> None:
        self._freezer: Any = None
        self._frozen: Any = None

    async def start(self) -> None:
        # A whole second: tokens carry integer times, so a fractional start would blur boundaries.
        start = datetime.now(UTC).replace(microsecond=0)
        self._freezer = freeze_time(start, real_asyncio=True)
        self._frozen = self._freezer.start()

    async def stop(self) -> None:
        if self._freezer is not None:
            self._freezer.stop()
            self._freezer = None

    async def now(self, record: list[Exchange]) -> float:
        return time.time()

    async def advance(self, seconds: float, record: list[Exchange]) -> None:
        self._frozen.tick(timedelta(seconds=seconds))


class ClockEndpoint:
    """The target's clock endpoint: GET answers {"now"}, POST {"advance": s} moves it."""

    mode = "clock"
    can_advance = True
    # Wall time passes between reading the clock and the target checking a token.
    precision = 1.0

    def __init__(self, target: Target, path: str) -> None:
        self._target = target
        self._path = path
        self._moved = 0.0

    async def _call(self, record: list[Exchange], body: dict[str, float] | None) -> float:
        method = "GET" if body is None else "POST"
        response = await self._target.request(method, self._path, record, json=body)
        try:
            now = response.json()["now"]
            if response.status_code != 200 or not isinstance(now, int | float):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise HarnessError(
                f"time mode clock: {method} {self._path} answered {response.status_code} "
                f'{response.text[:200]!r}, not {{"now": <epoch seconds>}}'
            ) from None
        return float(now)

    async def start(self) -> None:
        await self._call([], None)

    async def stop(self) -> None:
        # Put the target's clock back where it was, so the next run starts from real time.
        if self._moved:
            await self._call([], {"advance": -self._moved})
            self._moved = 0.0

    async def now(self, record: list[Exchange]) -> float:
        return await self._call(record, None)

    async def advance(self, seconds: float, record: list[Exchange]) -> None:
        await self._call(record, {"advance": seconds})
        self._moved += seconds


class _WallClock:
    """The target runs on real time and nothing needs starting or putting back."""

    precision = 1.0

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def now(self, record: list[Exchange]) -> float:
        return time.time()


class ForgedTime(_WallClock):
    """Time cannot move; expiry is checked with forged tokens only."""

    mode = "forge"
    can_advance = False

    async def advance(self, seconds: float, record: list[Exchange]) -> None:
        raise Skipped("time mode forge cannot move the target's clock")


class RealWait(_WallClock):
    """Real sleeps, each at most `max_wait` seconds; longer ones skip the case."""

    mode = "wait"
    can_advance = True

    def __init__(self, max_wait: float) -> None:
        self._max_wait = max_wait

    async def advance(self, seconds: float, record: list[Exchange]) -> None:
        if seconds > self._max_wait:
            raise Skipped(
                f"time mode wait: the case needs a {seconds:g} s wait, "
                f"more than [time] max_wait = {self._max_wait:g}"
            )
        await asyncio.sleep(seconds)


def make_time_control(profile: Profile, target: Target) -> TimeControl:
    mode = profile.time.mode
    if mode == "freeze":
        if not target.in_process:
            raise HarnessError("time mode freeze needs an in-process target")
        return FrozenTime()
    if mode == "clock":
        return ClockEndpoint(target, profile.time.clock_path)
    if mode == "wait":
        return RealWait(profile.time.max_wait)
    return ForgedTime()
