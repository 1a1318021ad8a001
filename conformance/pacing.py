"""Keeping the suite's own traffic under the limits the target declares.

A target that rate-limits its refresh endpoint (`[rate_limit]`) or throttles failed logins
(`[login_throttle]`) would otherwise answer the suite's ordinary requests with 429s no case asked
for, and verdicts would be about the limit instead of the rule each case checks.

Two ways, by time mode:
- freeze and clock can move the target's clock: between cases, once half a budget is spent, the
  clock moves past the window (`between_cases`), as the suite always did for the rate limit;
- forge and wait cannot (or only a little): every request to a limited path first waits, in real
  time, until sending it keeps the count of the last `window` seconds within the limit
  (`before`). A sliding window is at least as strict as the fixed windows or token buckets
  servers use, so a paced run never trips any of them.

The RATE-LIMIT cases switch pacing off (`CaseContext.unpaced`) to spend the budget on purpose;
their requests are still recorded, so the cases after them wait for a fresh window.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from conformance.profile import Profile

__all__ = ["Pacer", "Window"]

# Requests leave the suite a little before the target counts them; wait this much longer.
MARGIN = 0.05


@dataclass
class Window:
    """The times (event-loop clock) of the counted requests to one limited path.

    A request is counted when it is sent (so that concurrent ones cannot all take the last
    slot), and its time moved to when its answer came (`settle`): the target counted it
    somewhere in between, so it has surely left the target's window once it has left ours,
    however slow the network or the target were."""

    limit: int
    seconds: float
    times: list[list[float]] = field(default_factory=list)

    def _forget(self, now: float) -> None:
        self.times = [entry for entry in self.times if entry[0] > now - self.seconds]

    def wait_needed(self, now: float) -> float:
        """Seconds until one more request keeps the window within the limit."""
        self._forget(now)
        if len(self.times) < self.limit:
            return 0.0
        ordered = sorted(entry[0] for entry in self.times)
        return ordered[len(ordered) - self.limit] + self.seconds - now + MARGIN

    def count(self, now: float) -> list[float]:
        self._forget(now)
        entry = [now]
        self.times.append(entry)
        return entry

    def clear_wait(self, now: float) -> float:
        """Seconds until nothing counted is left in the window."""
        self._forget(now)
        latest = max((entry[0] for entry in self.times), default=None)
        return 0.0 if latest is None else latest + self.seconds - now + MARGIN

    def reset(self) -> None:
        self.times.clear()


class Pacer:
    """One per run: the refresh rate limit and the login throttle the profile declares."""

    def __init__(self, profile: Profile, *, real_time: bool) -> None:
        self.profile = profile
        # forge/wait: the target's clock is the wall clock, so only real waiting lets a window
        # pass; freeze/clock move the target's clock between cases instead.
        self.real_time = real_time
        self.refresh: Window | None = None
        self.login: Window | None = None
        if profile.capabilities.rate_limit and profile.rate_limit.limit:
            self.refresh = Window(profile.rate_limit.limit, profile.rate_limit.window)
        if profile.login_throttle.limit:
            self.login = Window(profile.login_throttle.limit, profile.login_throttle.window)
        # Seconds spent waiting, for the report.
        self.waited = 0.0

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def before(
        self, method: str, path: str, *, kind: str | None = None, paced: bool = True
    ) -> list[float] | None:
        """Wait (real-time modes) until the request fits the limit, then count it; the entry
        returned goes to `after`. `kind` ("login", "refresh") tells the two apart when they
        share one endpoint (an OAuth token endpoint); a request of unknown kind counts as both."""
        entry = None
        window = self.refresh if self._is_refresh(method, path, kind) else None
        if window is not None:
            # Checked again after each sleep: concurrent requests may have taken the slot.
            while paced and self.real_time and (wait := window.wait_needed(self._now())) > 0:
                await self._sleep(wait)
            entry = window.count(self._now())
        if self.login is not None and paced and self.real_time and self._is_login(path, kind):
            # Only failed logins count (see `after`), but whether this one fails is not known
            # yet: when the throttle is full, even a right password would be refused.
            while (wait := self.login.wait_needed(self._now())) > 0:
                await self._sleep(wait)
        return entry

    def after(
        self,
        method: str,
        path: str,
        status: int | None,
        *,
        kind: str | None = None,
        entry: list[float] | None = None,
    ) -> None:
        """Settle a counted request at the time its answer came; count a refused login
        towards the throttle (at that time too, for the same reason)."""
        if entry is not None:
            entry[0] = self._now()
        refused = status is None or not 200 <= status < 300
        if self.login is not None and self._is_login(path, kind) and method == "POST" and refused:
            self.login.count(self._now())

    async def wait_for_fresh_refresh_window(self) -> None:
        """Real-time modes: wait until none of the suite's refreshes is left in the window."""
        if self.refresh is not None:
            await self._sleep(self.refresh.clear_wait(self._now()))

    def spent_half(self) -> bool:
        """Freeze/clock: whether a budget is half spent, so the clock should move on."""
        return any(
            window is not None and len(window.times) * 2 >= window.limit
            for window in (self.refresh, self.login)
        )

    @property
    def longest_window(self) -> float:
        return max((w.seconds for w in (self.refresh, self.login) if w is not None), default=0.0)

    def moved_past_windows(self) -> None:
        for window in (self.refresh, self.login):
            if window is not None:
                window.reset()

    def _is_refresh(self, method: str, path: str, kind: str | None) -> bool:
        return (
            kind in (None, "refresh")
            and method == "POST"
            and _path(path) == self.profile.refresh.path
        )

    def _is_login(self, path: str, kind: str | None) -> bool:
        return kind in (None, "login") and _path(path) == self.profile.login.path

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            await asyncio.sleep(seconds)


def _path(path: str) -> str:
    return path.split("?", 1)[0]
