"""Logging in ahead: a pool of sessions for the profile's credentials, logged in concurrently
while cases run, so that a target whose login is slow (a password KDF takes 0.3–0.7 s) does not
make every case wait for its own login in turn.

Every session is still a case's own: each comes from a login of its own and goes to exactly one
case. What a case must not get is a session that is stale:

- Sessions logged in before the target's clock moved, before a restart or before the test user
  was disabled or enabled are thrown away (`invalidate`, an epoch counter), and so are logins
  still in flight then. The one exception: those ready when the user was disabled may go to a
  case that proves every session it takes (`take(kept_ok=True)`), which the runner decides
  again on fresh logins if it deviates.
- On a wall clock (every time mode but freeze) a session waits at most MAX_AGE_S, so a case that
  compares `iat` or an expiry with the time it reads sees what a login of its own would show.
- A case that reads the clock, moves it, or logs in with other credentials (counting or timing
  logins, throttling) gets fresh logins from then on (CaseContext decides that).
- A logout or a refused refresh may revoke other sessions of the same user on some servers; the
  pool notes such events, and the runner runs a case again on fresh logins when it deviated
  after taking a session that such an event may have revoked.

On a frozen clock (freeze mode) a clock move need not cost a login's time. A login still in
flight when the clock moves is kept if the target minted its tokens after the move (their `iat`
is the clock's new second: a password hash runs before the tokens are minted); the pool checks
that per session (`minted_now`), so a target that reads the time earlier only loses the
speed-up. Against a slow login it keeps logins in flight, staggered, while cases take
sessions (`PIPELINE`), so that one lands soon after any move. Moves of the clock and changes of
the target (a restart, the user disabled or enabled) are told apart: the latter throw away
everything logged in before, in flight or not.

A case that logs out holds the pool (`hold`) so that a login made ahead cannot re-mint the
tokens it revokes; once two logins in one second have given different tokens, the target mints
unique tokens and no login can do that, so the hold is skipped.

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
from dataclasses import dataclass, field, replace

from conformance.exchange import Exchange
from conformance.sessions import Session

__all__ = ["LoginPool", "Prefetched"]

MAX_DEPTH = 16
START_DEPTH = MAX_DEPTH
# Logins in flight at once, whatever started them: a client's traffic, not a load test.
MAX_IN_FLIGHT = 2 * MAX_DEPTH
# On a clock that moves by itself, a session older than this is not handed out.
MAX_AGE_S = 0.5
# Failed prefetch logins in a row after which the pool stops: cases then log in themselves and
# see whatever the target does, first hand.
GIVE_UP_AFTER = 2
# Weight of the newest sample in the running averages of login time and demand.
SMOOTHING = 0.3

# Against a slow login on a frozen clock: logins kept in flight while cases take sessions, one
# started every (login time / PIPELINE), so that one lands soon after a clock move. After a move
# only those serve, so the stretch of quick cases after one waits about (login time / PIPELINE)
# per session: 4 gave 0.125 s waits, 3.7 s over a full run against a 0.5 s login; 16 gives
# 2.8-3.0 s (1 s less in all) for about 60 more logins a run, still within MAX_IN_FLIGHT.
PIPELINE = 16
# A login at least this slow is worth keeping logins in flight for.
SLOW_LOGIN_S = 0.1
# Sessions to have in stock when the test user is first disabled: what the user cases after
# the first take (USER-DISABLED-02 one, -03 two, -04 one), see stock_before_user_change.
KEPT_STOCK = 4

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
    # Logged in before the test user was disabled and enabled again (see LoginPool.take).
    kept: bool = False


class LoginPool:
    def __init__(
        self,
        login: LoginAttempt,
        *,
        wall_clock: bool,
        risky_events: Callable[[], int],
        minted_now: Callable[[Session], bool] | None = None,
        logins_at_once: Callable[[], int] = lambda: MAX_IN_FLIGHT,
    ):
        self._login = login
        self._wall_clock = wall_clock
        self._risky_events = risky_events
        # Frozen clock only: whether a session's tokens were minted at the clock's current
        # reading (so after every move so far); None keeps no login across a move.
        self._minted_now = minted_now
        # How many logins the target answers at once without queueing them, as learnt so far
        # (conformance.login_gate): the pool keeps no more in flight than that, less one left
        # for the case that needs a login of its own.
        self._logins_at_once = logins_at_once
        # The first epoch since the target last changed (not merely its clock): a login started
        # before it is never handed out.
        self._target_since = 0
        self._pipeline: asyncio.Task[None] | None = None
        # Two logins in one second gave different access and refresh tokens (see hold()).
        self.tokens_unique = False
        self._last_landed: Session | None = None
        self._ready: deque[Prefetched] = deque()
        # Sessions logged in before the test user was last disabled or enabled, kept for the
        # cases that prove every session they take (take(kept_ok=True)); gone at the next move
        # of the clock or restart.
        self._kept: deque[Prefetched] = deque()
        # The test user was disabled or enabled since the clock last moved or the target
        # restarted (then sessions from before were kept, or there were none to keep).
        self._user_changed = False
        self._in_flight: dict[asyncio.Task[Prefetched | None], int] = {}
        self._epoch = 0
        self._failures_in_a_row = 0
        # Paused after failed logins until the next invalidation; closed for good at the end.
        self._paused = False
        self._closed = False
        # Held for the rest of a case that logs out (see hold()).
        self._held = False
        # Between an invalidation without refill and the next with one (a move under way, a
        # user disabled): logins started now would be stale or refused.
        self._changing = False
        self._login_s = 0.0
        # When the first login made ahead started (loop time; 0 before).
        self._first_started = 0.0
        self._between_takes_s = math.inf
        self._last_take = 0.0
        # Sessions taken since the last invalidation, and in the epoch before it.
        self._taken_this_epoch = 0
        self._refill_cap = MAX_DEPTH
        # Set by the runner while cases that may overlap run at the same time.
        self.alongside = False
        self.handed_out = 0
        self.discarded = 0
        # Logins in flight across a move of the frozen clock, kept because minted after it.
        self.carried = 0
        # Sessions from before a change of the test user that went to cases proving theirs.
        self.kept_handed_out = 0
        self.most_in_flight = 0

    @staticmethod
    def _now() -> float:
        # The loop's clock: real even while freezegun freezes time.time().
        return asyncio.get_running_loop().time()

    @property
    def login_seconds(self) -> float:
        """How long a login takes, as measured so far (0 before the first one landed)."""
        return self._login_s

    @property
    def depth(self) -> int:
        if self._login_s == 0.0 or math.isinf(self._between_takes_s):
            # Nothing measured yet: a full run takes well over a hundred sessions, so the
            # first few are never wasted, and against a slow login they save its first cases
            # a login's time each.
            return START_DEPTH
        wanted = math.ceil(self._login_s / max(self._between_takes_s, 1e-3)) + 1
        if self._taken_this_epoch == 0:
            wanted = min(wanted, self._refill_cap)
        return max(1, min(MAX_DEPTH, int(wanted)))

    async def slower_than(self, seconds: float) -> bool:
        """Whether a login takes at least `seconds`: as measured, or, before any login made
        ahead has landed, shown by the first still being in flight `seconds` after it started
        (no need to wait a slow login's whole time to know it is slow)."""
        loop = asyncio.get_running_loop()
        while self._login_s == 0.0 and self._in_flight and not self._paused:
            left = self._first_started + seconds - loop.time()
            if left <= 0:
                return True
            await asyncio.wait(
                list(self._in_flight), timeout=left, return_when=asyncio.FIRST_COMPLETED
            )
        return self._login_s >= seconds

    def start(self) -> None:
        self._fill()
        if self._minted_now is not None:
            self._pipeline = asyncio.create_task(self._keep_in_flight())

    def _may_carry(self, epoch: int) -> bool:
        """Whether a login started in `epoch` may still be handed out if its tokens turn out
        minted after the clock moves since (only clock moves happened since it started)."""
        return self._minted_now is not None and epoch >= self._target_since

    def _useful_in_flight(self) -> list[asyncio.Task[Prefetched | None]]:
        return [
            task
            for task, epoch in self._in_flight.items()
            if epoch == self._epoch or self._may_carry(epoch)
        ]

    async def _keep_in_flight(self) -> None:
        """Slow login, frozen clock: while cases take sessions, start a login every (login time
        / PIPELINE), so that at any moment about PIPELINE are in flight at staggered stages and
        whatever moves the clock, one minted after the move lands soon. (The logins `_fill`
        starts go all at once, so they cannot do that.)"""
        while not self._closed:
            slow = self._login_s >= SLOW_LOGIN_S
            # A fast login needs none of this: look again now and then, in case it slows.
            await asyncio.sleep(self._login_s / PIPELINE if slow else 0.1)
            wanted = (
                slow
                and not (self._paused or self._held or self._closed or self._changing)
                # Demand: a session was taken within about a login's time.
                and self._now() - self._last_take <= 2 * self._login_s
            )
            if wanted and len(self._in_flight) < self._most_in_flight():
                self._start_login()

    def _fill(self) -> None:
        if self._paused or self._closed or self._held or self._changing:
            return
        # Logins in flight from before a move of a frozen clock may still serve (see _log_in):
        # counting them keeps a move from starting a full depth of logins that are not needed.
        while (
            len(self._ready) + len(self._useful_in_flight()) < self.depth
            and len(self._in_flight) < self._most_in_flight()
        ):
            self._start_login()

    def _most_in_flight(self) -> int:
        return min(MAX_IN_FLIGHT, max(1, self._logins_at_once() - 1))

    def _start_login(self) -> None:
        if not self._first_started:
            self._first_started = self._now()
        task = asyncio.create_task(self._log_in(self._epoch))
        self._in_flight[task] = self._epoch
        task.add_done_callback(self._landed)
        self.most_in_flight = max(self.most_in_flight, len(self._in_flight))

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
        self._note_uniqueness(session)
        if epoch != self._epoch:
            if self._minted_now is None or not self._may_carry(epoch):
                self.discarded += 1
                return None
            if not self._minted_now(session):
                self.discarded += 1
                return None
            # Only the clock moved while it was in flight, and the target minted its tokens
            # after that: it is a login of the current clock state.
            epoch = self._epoch
            self.carried += 1
        return Prefetched(session, exchanges, risky, epoch, arrived=self._now())

    def _note_uniqueness(self, session: Session) -> None:
        """Two logins issued in the same second with different access and refresh tokens show
        that the target mints unique tokens (a jti or the like)."""
        previous, self._last_landed = self._last_landed, session
        if previous is None or self.tokens_unique:
            return
        try:
            issued, previously = session.claims().get("iat"), previous.claims().get("iat")
        except Exception:
            return
        if (
            issued is not None
            and issued == previously
            and previous.access != session.access
            and previous.refresh != session.refresh
        ):
            self.tokens_unique = True

    def _landed(self, task: asyncio.Task[Prefetched | None]) -> None:
        self._in_flight.pop(task, None)
        if task.cancelled() or task.exception() is not None:
            return
        result = task.result()
        if result is not None and result.epoch == self._epoch:
            self._ready.append(result)
            # Logins keep going in flight while cases take sessions, also with sessions in
            # stock: a clock move throws the stock away, and only a login in flight then can
            # serve the case after it without its waiting a whole login. The oldest go.
            while len(self._ready) > 2 * MAX_DEPTH:
                self._ready.popleft()
                self.discarded += 1

    def _fresh(self, item: Prefetched) -> bool:
        # The epoch is checked here, not only when the login lands: a done-callback runs a
        # loop iteration later, and an invalidation may come in between.
        if item.epoch != self._epoch:
            return False
        return not self._wall_clock or self._now() - item.arrived <= MAX_AGE_S

    async def take(self, *, kept_ok: bool = False) -> Prefetched | None:
        """A session logged in ahead, or None when the case should log in itself. With
        `kept_ok`, when none of the current state is ready, one logged in before the test
        user was disabled and enabled again (marked `kept`): on most servers that changed
        nothing of it, and the case that takes it proves it live or expects it to work, so
        one that a server did revoke shows as a deviation, decided again on fresh logins."""
        if self._last_take:
            # Demand is the time cases work between two logins, not counting the time they
            # waited for one (counting it would keep the pool shallow because it is shallow).
            gap = self._now() - self._last_take
            self._between_takes_s = (
                gap if math.isinf(self._between_takes_s) else _smooth(self._between_takes_s, gap)
            )
        try:
            return await self._take(kept_ok)
        finally:
            self._last_take = self._now()

    async def _take(self, kept_ok: bool) -> Prefetched | None:
        # A case wants a session now: whatever was changing is done.
        self._changing = False
        while True:
            while self._ready:
                item = self._ready.popleft()
                if self._fresh(item):
                    self.handed_out += 1
                    self._taken_this_epoch += 1
                    self._fill()
                    return item
                self.discarded += 1
            while kept_ok and self._kept:
                item = self._kept.popleft()
                if not self._wall_clock or self._now() - item.arrived <= MAX_AGE_S:
                    self.handed_out += 1
                    self.kept_handed_out += 1
                    self._fill()
                    return replace(item, kept=True)
                self.discarded += 1
            self._fill()
            current = self._useful_in_flight()
            if self._paused or self._closed or self._held or not current:
                return None
            await asyncio.wait(current, return_when=asyncio.FIRST_COMPLETED)

    async def stock_before_user_change(self) -> None:
        """The test user is about to be disabled for the first time since the clock last moved:
        let up to KEPT_STOCK logins in flight land first (for at most half a login's time;
        against a slow login they land staggered), so that the cases after it that prove their
        sessions need not each wait a whole login after the user is back (see take)."""
        if self._user_changed or self._closed:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._login_s / 2
        while sum(1 for item in self._ready if self._fresh(item)) < KEPT_STOCK:
            current = self._useful_in_flight()
            left = deadline - loop.time()
            if not current or left <= 0:
                return
            await asyncio.wait(current, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            # The pool's done-callback runs a loop iteration after the task ends.
            await asyncio.sleep(0)

    async def hold(self, within: float) -> None:
        """Log in no more until release(), and let the logins in flight land first. A case
        that logs out calls this: on a target without a jti, a login of the same user in the
        same second mints the very tokens being revoked, and on a target that keeps refresh
        tokens as a list it puts them back, so a login made ahead would decide that case.

        A target seen to mint unique tokens cannot re-mint revoked ones: no hold there."""
        if not self.tokens_unique:
            await self.settle(within)

    async def settle(self, within: float) -> None:
        """Log in no more until release(), and let the logins in flight land first: for a case
        whose verdict logins of the profile's user in the middle could change (the throttle
        probe: a target may reset its count of failures on a successful login)."""
        self.quiet()
        pending = list(self._in_flight)
        if pending:
            await asyncio.wait(pending, timeout=within)

    def quiet(self) -> None:
        """Start no more logins until release(): the case logs in with other credentials, and
        the target's answers to those should be about them, not about logins made ahead.
        Not while cases run alongside each other (`alongside`): their logins mix anyway, and
        the others wait for sessions of their own."""
        if not self.alongside:
            self._held = True

    def release(self) -> None:
        """The case that held the pool is over; logging in ahead resumes at the next take."""
        self._held = False
        self._changing = False

    def invalidate(
        self, *, refill: bool, clock_only: bool = False, user_change: bool = False
    ) -> None:
        """The target's clock moved, it restarted, or the user changed: nothing logged in so
        far may be handed out (on a frozen clock, logins in flight across a move of the clock
        alone may, see _log_in; across a `user_change`, sessions ready may go to the cases
        that prove theirs, see take). With `refill` (the change is done, not about to happen)
        the replacements start now, while the case that moved things is still running."""
        if user_change:
            self._kept.extend(item for item in self._ready if self._fresh(item))
        self._user_changed = user_change
        self._epoch += 1
        if not clock_only:
            self._target_since = self._epoch
        self._changing = not refill
        if not user_change:
            self.discarded += len(self._kept)
            self._kept.clear()
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
        if self._pipeline is not None:
            self._pipeline.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pipeline
            self._pipeline = None
        pending = list(self._in_flight)
        if pending:
            _, late = await asyncio.wait(pending, timeout=within)
            for task in late:
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.gather(*late, return_exceptions=True)
        self.discarded += len(self._ready) + len(self._kept)
        self._ready.clear()
        self._kept.clear()


def _smooth(average: float, sample: float) -> float:
    return (1 - SMOOTHING) * average + SMOOTHING * sample
