"""How many logins the suite keeps in flight at once: no more than the target answers without
queueing them.

A login that hashes a password costs the target real work. A server with many workers (or one
that hashes in a thread pool) answers many at once, and logging in ahead, concurrently, is what
keeps a run short against it (conformance.prefetch). A server with one worker answers one at a
time: logins sent together wait in its queue, the last ones past the request deadline, and a run
full of "no answer within 5 s" is a wrong verdict about a server that is merely busy with us.

So the gate learns, the way a congestion window does (TCP Vegas judges by delay, as here):

- It starts at START logins in flight, few enough that logins as slow as Django's default
  password hash, queued one behind the other, still answer within the default deadline.
- A successful login answered about as fast as the quickest one yet (GROW_BELOW times it)
  while the window is in use shows room, as far as what the target was seen to do bears out:
  the window may hold as many as would still answer within half the request deadline if the
  target answered only as many at once as it has been seen to (k quick successful logins in
  flight at one instant: a server that queued them would have answered them one login-time
  apart). Within that it grows at once, or by one per quick login, so it doubles per login
  time.
- Any login answered much slower (SHRINK_ABOVE times the quickest) waited in the target's
  queue: the window drops to what the target served at once, estimated from how many were in
  flight when it went out and how much longer it took than the quickest.
- A login that got no answer at all halves the window.

Only successful logins set the quickest time and grow the window: a refusal of a malformed
body, an unknown user or a throttled account may come back without any hashing, on a server
whose hashing logins queue. Every POST to the login path goes through the gate.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

__all__ = ["MAX_LOGINS_IN_FLIGHT", "LoginGate", "Ticket"]

# At most this many logins in flight, whatever the target takes: a client's traffic.
MAX_LOGINS_IN_FLIGHT = 48
# The window to begin with: 6 logins of 0.7 s each (the slow end of Django's default password
# hash), queued one behind the other, still answer within the default 5 s deadline.
START = 6
# A login at most this much slower than the quickest yet was not queued (noise, the suite's
# own scheduling); one at least SHRINK_ABOVE times slower was.
GROW_BELOW = 1.5
SHRINK_ABOVE = 2.5
# Logins quicker than this never count as queued: against a fast login, queueing costs
# milliseconds, and the scheduling noise of the suite itself is of that order.
QUICK_S = 0.05
# The share of a request's deadline that logins queued behind each other may take, should the
# target answer only as many at once as it has been seen to.
HEADROOM = 0.5
# Quick successful logins remembered to tell how many the target answered at once.
QUICK_KEPT = 2 * MAX_LOGINS_IN_FLIGHT


@dataclass
class Ticket:
    """A login's place in the gate; the sender notes the answer's status on it."""

    in_flight_at_send: int
    status: int | None = None


class LoginGate:
    def __init__(
        self, *, deadline: float, start: int = START, most: int = MAX_LOGINS_IN_FLIGHT
    ) -> None:
        # A request's deadline (the profile's [target] timeout), in seconds.
        self.deadline = deadline
        self.limit = start
        self.most = most
        self.in_flight = 0
        # The quickest successful login so far, in seconds.
        self.quickest = math.inf
        # The most logins that were in flight at once, for reports and tests.
        self.most_in_flight = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        # (sent, answered) of the latest quick successful logins, loop time.
        self._quick: deque[tuple[float, float]] = deque()

    @property
    def free(self) -> int:
        """Logins that may start now without waiting."""
        return max(0, self.limit - self.in_flight)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[Ticket]:
        """Hold a place while one login is in flight; note its status on the ticket."""
        await self._enter()
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        ticket = Ticket(self.in_flight)
        loop = asyncio.get_running_loop()
        sent = loop.time()
        try:
            yield ticket
        finally:
            self.in_flight -= 1
            self._learn(ticket, sent, loop.time() - sent)
            self._wake()

    async def _enter(self) -> None:
        """Take a place: at once when one is free and nobody waits, else in turn (a waiter is
        woken with its place already taken for it)."""
        if self.in_flight < self.limit and not self._waiting:
            self.in_flight += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # Woken, then cancelled before it could use the place: give it back.
                self.in_flight -= 1
                self._wake()
            else:
                with contextlib.suppress(ValueError):
                    self._waiting.remove(waiter)
            raise

    def _learn(self, ticket: Ticket, sent: float, took: float) -> None:
        if ticket.status is None:
            # No answer (a deadline, a cut connection): the target may be drowning.
            self.limit = max(1, self.limit // 2)
            return
        success = 200 <= ticket.status < 300
        if success:
            self.quickest = min(self.quickest, took)
        if took >= max(QUICK_S, SHRINK_ABOVE * self.quickest):
            # n logins in flight, this one answered `took / quickest` login-times after it was
            # sent: the target got through about n / (took / quickest) at once.
            served_at_once = ticket.in_flight_at_send * self.quickest / took
            self.limit = max(1, min(self.limit, math.ceil(served_at_once)))
        elif success and took <= max(QUICK_S, GROW_BELOW * self.quickest):
            together = self._quick_together(sent, sent + took)
            # What keeps every login within half its deadline should the target answer only
            # as many at once as it has been seen to.
            safe = together * max(1, int(HEADROOM * self.deadline / self.quickest))
            if (self._waiting or self.in_flight + 1 >= self.limit) and safe >= self.limit:
                # The window is in use and what was seen bears it out: grow it, at once to
                # `safe`, or by one per quick login (so it doubles per login time).
                self.limit = min(self.most, max(self.limit + 1, safe))

    def _quick_together(self, sent: float, landed: float) -> int:
        """How many quick successful logins, this one included, were in flight at the same
        instant as this one: the target answered at least that many at once. (Only successful
        logins count: they all hashed a password, a refusal may not have.)"""
        self._quick.append((sent, landed))
        while len(self._quick) > QUICK_KEPT:
            self._quick.popleft()
        middle = (sent + landed) / 2
        return sum(1 for start, end in self._quick if start <= middle <= end)

    def _wake(self) -> None:
        while self._waiting and self.in_flight < self.limit:
            waiter = self._waiting.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)
