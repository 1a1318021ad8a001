"""Logging in ahead: a pool of sessions for the profile's credentials, logged in concurrently
while cases run, so that a target whose login is slow (a password KDF takes 0.3–0.7 s) does not
make every case wait for its own login in turn.

Every session is still a case's own: each comes from a login of its own and goes to exactly one
case. What a case must not get is a session that is stale:

- Sessions logged in before the target's clock moved, before a restart or before the test user
  was disabled or enabled are thrown away (`invalidate`, an epoch counter), and so are logins
  still in flight then.
- On a wall clock (every time mode but freeze) a session waits at most MAX_AGE_S, so a case that
  compares `iat` or an expiry with the time it reads sees what a login of its own would show.
- A case that reads the clock, moves it, or logs in with other credentials (counting or timing
  logins, throttling) gets fresh logins from then on (CaseContext decides that).
- A logout or a refused refresh may revoke other sessions of the same user on some servers; the
  pool notes such events, and the runner runs a case again on fresh logins when it deviated
  after taking a session that such an event may have revoked.

How far ahead it logs in adapts to the target: about (login time / time between logins) + 1,
so a fast target gets one login ahead and a slow one up to MAX_DEPTH. Right after an invalidation
it logs in only as many as the previous epoch took (at least 2), since stretches of cases that
each move the clock take one or two sessions between moves; the first session taken brings the
pool back to full depth.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from conformance.exchange import Exchange
from conformance.sessions import Session

__all__ = ["LoginPool", "Prefetched"]

MAX_DEPTH = 16
# On a clock that moves by itself, a session older than this is not handed out.
MAX_AGE_S = 0.5
# Failed prefetch logins in a row after which the pool stops: cases then log in themselves and
# see whatever the target does, first hand.
GIVE_UP_AFTER = 2
# Weight of the newest sample in the running averages of login time and demand.
SMOOTHING = 0.3

LoginAttempt = Callable[[list[Exchange]], Awaitable[Session]]


@dataclass
class Prefetched:
    session: Session
    exchanges: list[Exchange]
    # Target events (logouts, refused refreshes) seen before this login started.
    risky_before: int
    # The pool's epoch when the login started; only the current epoch's sessions go out.
    epoch: int
    arrived: float = field(default=0.0)


class LoginPool:
    def __init__(self, login: LoginAttempt, *, wall_clock: bool, risky_events: Callable[[], int]):
        self._login = login
        self._wall_clock = wall_clock
        self._risky_events = risky_events
        self._ready: deque[Prefetched] = deque()
        self._in_flight: dict[asyncio.Task[Prefetched | None], int] = {}
        self._epoch = 0
        self._failures_in_a_row = 0
        # Paused after failed logins until the next invalidation; closed for good at the end.
        self._paused = False
        self._closed = False
        # Held for the rest of a case that logs out (see hold()).
        self._held = False
        self._login_s = 0.0
        self._between_takes_s = math.inf
        self._last_take = 0.0
        # Sessions taken since the last invalidation, and in the epoch before it.
        self._taken_this_epoch = 0
        self._refill_cap = MAX_DEPTH
        self.handed_out = 0
        self.discarded = 0
        self.most_in_flight = 0

    @staticmethod
    def _now() -> float:
        # The loop's clock: real even while freezegun freezes time.time().
        return asyncio.get_running_loop().time()

    @property
    def depth(self) -> int:
        if self._login_s == 0.0 or math.isinf(self._between_takes_s):
            return 1
        wanted = math.ceil(self._login_s / max(self._between_takes_s, 1e-3)) + 1
        if self._taken_this_epoch == 0:
            wanted = min(wanted, self._refill_cap)
        return max(1, min(MAX_DEPTH, int(wanted)))

    def start(self) -> None:
        self._fill()

    def _fill(self) -> None:
        if self._paused or self._closed or self._held:
            return
        while len(self._ready) + self._current_in_flight() < self.depth:
            task = asyncio.create_task(self._log_in(self._epoch))
            self._in_flight[task] = self._epoch
            task.add_done_callback(self._landed)
        self.most_in_flight = max(self.most_in_flight, len(self._in_flight))

    def _current_in_flight(self) -> int:
        return sum(1 for epoch in self._in_flight.values() if epoch == self._epoch)

    async def _log_in(self, epoch: int) -> Prefetched | None:
        exchanges: list[Exchange] = []
        risky = self._risky_events()
        started = self._now()
        try:
            session = await self._login(exchanges)
        except Exception:
            # The case that needs a session will log in itself and meet the failure first hand;
            # logins keep failing (a user disabled, a target gone): pause until things change.
            if epoch == self._epoch:
                self._failures_in_a_row += 1
                if self._failures_in_a_row >= GIVE_UP_AFTER:
                    self._paused = True
            return None
        self._failures_in_a_row = 0
        took = self._now() - started
        self._login_s = took if self._login_s == 0.0 else _smooth(self._login_s, took)
        if epoch != self._epoch:
            self.discarded += 1
            return None
        return Prefetched(session, exchanges, risky, epoch, arrived=self._now())

    def _landed(self, task: asyncio.Task[Prefetched | None]) -> None:
        self._in_flight.pop(task, None)
        if task.cancelled() or task.exception() is not None:
            return
        result = task.result()
        if result is not None and result.epoch == self._epoch:
            self._ready.append(result)

    def _fresh(self, item: Prefetched) -> bool:
        # The epoch is checked here, not only when the login lands: a done-callback runs a
        # loop iteration later, and an invalidation may come in between.
        if item.epoch != self._epoch:
            return False
        return not self._wall_clock or self._now() - item.arrived <= MAX_AGE_S

    async def take(self) -> Prefetched | None:
        """A session logged in ahead, or None when the case should log in itself."""
        if self._last_take:
            # Demand is the time cases work between two logins, not counting the time they
            # waited for one (counting it would keep the pool shallow because it is shallow).
            gap = self._now() - self._last_take
            self._between_takes_s = (
                gap if math.isinf(self._between_takes_s) else _smooth(self._between_takes_s, gap)
            )
        try:
            return await self._take()
        finally:
            self._last_take = self._now()

    async def _take(self) -> Prefetched | None:
        while True:
            while self._ready:
                item = self._ready.popleft()
                if self._fresh(item):
                    self.handed_out += 1
                    self._taken_this_epoch += 1
                    self._fill()
                    return item
                self.discarded += 1
            self._fill()
            current = [task for task, epoch in self._in_flight.items() if epoch == self._epoch]
            if self._paused or self._closed or self._held or not current:
                return None
            await asyncio.wait(current, return_when=asyncio.FIRST_COMPLETED)

    async def hold(self, within: float) -> None:
        """Log in no more until release(), and let the logins in flight land first. A case
        that logs out calls this: on a target without a jti, a login of the same user in the
        same second mints the very tokens being revoked, and on a target that keeps refresh
        tokens as a list it puts them back, so a login made ahead would decide that case."""
        self._held = True
        pending = list(self._in_flight)
        if pending:
            await asyncio.wait(pending, timeout=within)

    def release(self) -> None:
        """The case that held the pool is over; logging in ahead resumes at the next take."""
        self._held = False

    def invalidate(self, *, refill: bool) -> None:
        """The target's clock moved, it restarted, or the user changed: nothing logged in so
        far may be handed out. With `refill` (the change is done, not about to happen) the
        replacements start now, while the case that moved things is still running."""
        self._epoch += 1
        self.discarded += len(self._ready)
        self._ready.clear()
        self._failures_in_a_row = 0
        self._paused = False
        self._refill_cap = max(2, self._taken_this_epoch + 1)
        self._taken_this_epoch = 0
        if refill:
            self._fill()

    async def close(self, within: float) -> None:
        """Stop logging in ahead; let logins in flight finish (within a bound), so that their
        sessions are in the ledger and get logged out with the rest."""
        self._closed = True
        pending = list(self._in_flight)
        if pending:
            _, late = await asyncio.wait(pending, timeout=within)
            for task in late:
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.gather(*late, return_exceptions=True)
        self.discarded += len(self._ready)
        self._ready.clear()


def _smooth(average: float, sample: float) -> float:
    return (1 - SMOOTHING) * average + SMOOTHING * sample
