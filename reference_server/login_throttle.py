"""Failed-login throttling per account (OWASP ASVS v4.0.3 2.2.1: no more than 100 failed
attempts per hour on a single account; this server allows 30, well within that and far above
what a person mistyping ever needs).

Failures are counted per username, known or not (so the answer does not tell which exist);
once an account has `limit` failures within `window` seconds, logins for it are refused with
429 and Retry-After until the oldest of them leaves the window. A right password does not
reset the count: the point is to bound guessing, not to reward a lucky guess.

Every login reserves a place before its password is checked, in the same atomic step that
checks the count: failures and logins in flight together never exceed `limit`. A wrong password
turns its place into a failure, a right one gives it back. Checking first and counting after
the (slow) password hash would let N wrong logins sent at once all pass the check and exceed
the limit by up to N; with the reservation at most `limit` wrong passwords are ever evaluated
per window, however many arrive together. When the places are taken by logins in flight (not
by failures), a login waits for one to come free instead of being refused, so that a burst of
right logins (many clients signing in to one account at once) is slowed, never refused.

`LoginThrottle` counts in its own process. With several workers (or instances) each would
count alone and an account would get N x 30 guesses, so where the store is shared (Redis; a
SQLite file under several workers) `SharedLoginThrottle` keeps the count in the store, which
checks and reserves in one atomic step for every worker (a Lua script; a SQLite write
transaction).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "CLOCK_SKEW",
    "IN_FLIGHT_TTL",
    "Attempt",
    "FailureLog",
    "LoginThrottle",
    "Reservation",
    "SharedLoginThrottle",
    "Status",
]

# Bounds the memory an attacker spraying usernames can make the server hold.
_MAX_ACCOUNTS = 100_000
# How far apart the clock readings of logins in flight together may be. A login reads the time
# before it reserves, so a place taken a moment earlier by a login that read the clock a moment
# later lies in this one's future: it still counts. Failures further ahead are from before a
# test clock moved back, and are forgotten.
CLOCK_SKEW = 5.0
# A place held longer than this belongs to a login that never finished (its worker died): freed.
IN_FLIGHT_TTL = 30.0
# How long a login waits for a place held by logins in flight before it is refused after all,
# and how often it looks again.
MAX_WAIT = 5.0
_POLL = (0.005, 0.05)

Status = Literal["granted", "refused", "busy"]
# A store's answer: (granted, handle, 0) | (refused, "", oldest failure) | (busy, "", 0).
Reservation = tuple[Status, str, float]


@dataclass(eq=False)
class _Entry:
    """A failure, or a place held by a login in flight (`in_flight`); compared by identity, so
    that settling one settles this one and not another of the same instant."""

    at: float
    in_flight: bool = False


@dataclass(frozen=True)
class Attempt:
    """`reserve`'s answer: `retry_after` > 0 refuses the login (nothing was reserved);
    otherwise `handle` is the place to settle (None: nothing reserved, the throttle is off)."""

    retry_after: int
    handle: object = None


class LoginThrottle:
    def __init__(self, *, limit: int = 30, window: float = 3600.0) -> None:
        self.limit = limit
        self.window = window
        self._entries: dict[str, deque[_Entry]] = {}

    async def reserve(self, username: str, now: float) -> Attempt:
        """Before the password is checked: a place, or a refusal (retry_after). While the
        places are held by logins in flight, wait for one, up to MAX_WAIT."""
        if self.limit <= 0:
            return Attempt(0)
        deadline = time.monotonic() + MAX_WAIT
        pause = _POLL[0]
        while True:
            status, handle, oldest = await self._try_reserve(username, now)
            if status == "granted":
                return Attempt(0, handle)
            if status == "refused":
                return Attempt(self._retry_after(oldest, now))
            if time.monotonic() >= deadline:
                return Attempt(1)
            await asyncio.sleep(pause)
            pause = min(pause * 2, _POLL[1])

    async def failed(self, username: str, attempt: Attempt, now: float) -> None:
        """The password was wrong: the place becomes a failure."""
        if isinstance(attempt.handle, _Entry):
            entry = attempt.handle
            entry.in_flight = False
            entries = self._entries.setdefault(username, deque())
            if entry not in entries:  # freed as stale meanwhile: it is a failure all the same
                entries.append(entry)

    async def release(self, username: str, attempt: Attempt) -> None:
        """The password was right (or never checked): give the place back."""
        entries = self._entries.get(username)
        if entries is not None and isinstance(attempt.handle, _Entry):
            with contextlib.suppress(ValueError):  # freed as stale already
                entries.remove(attempt.handle)

    def retry_after(self, username: str, now: float) -> int:
        """0 if `username` has fewer than `limit` failures now, else the seconds until it has."""
        failures = [e.at for e in self._recent(username, now) if not e.in_flight]
        if self.limit <= 0 or len(failures) < self.limit:
            return 0
        return self._retry_after(min(failures), now)

    def record_failure(self, username: str, now: float) -> None:
        """Count one failure of `username` at `now` (what `reserve` + `failed` do in one)."""
        if self.limit > 0:
            self._add(username, _Entry(now))

    def _retry_after(self, oldest: float, now: float) -> int:
        # One a moment ahead (CLOCK_SKEW) leaves the window as if it were counted now.
        return max(1, math.ceil(min(oldest, now) + self.window - now))

    async def _try_reserve(self, username: str, now: float) -> tuple[Status, object, float]:
        # No await between the check and the reservation: logins of one event loop cannot
        # both take the last place.
        entries = self._recent(username, now)
        failures = [e.at for e in entries if not e.in_flight]
        if len(failures) >= self.limit:
            return "refused", "", min(failures)
        if len(entries) >= self.limit:
            return "busy", "", 0.0
        entry = _Entry(now, in_flight=True)
        self._add(username, entry)
        return "granted", entry, 0.0

    def _add(self, username: str, entry: _Entry) -> None:
        entries = self._entries.get(username)
        if entries is None:
            if len(self._entries) >= _MAX_ACCOUNTS:
                self._forget_idle(entry.at)
            entries = self._entries.setdefault(username, deque())
        entries.append(entry)

    def _recent(self, username: str, now: float) -> deque[_Entry]:
        entries = self._entries.get(username)
        if entries is None:
            return deque()
        # Time passed, or a test clock moved backwards: keep only what is inside the window
        # (at most `limit` entries are kept, so a pass over them is cheap).
        if not all(self._current(e, now) for e in entries):
            kept = [e for e in entries if self._current(e, now)]
            entries.clear()
            entries.extend(kept)
        return entries

    def _current(self, entry: _Entry, now: float) -> bool:
        since = now - (IN_FLIGHT_TTL if entry.in_flight else self.window)
        return since < entry.at <= now + CLOCK_SKEW

    def _forget_idle(self, now: float) -> None:
        for username in [
            u for u, e in self._entries.items() if not e or e[-1].at <= now - self.window
        ]:
            del self._entries[username]


class FailureLog(Protocol):
    """A store that keeps the count for every worker (store.RedisStore, store.SQLiteStore)."""

    async def reserve_login_attempt(
        self, username: str, now: float, *, window: float, limit: int
    ) -> Reservation:
        """In one atomic step, over the failures of *username* in (now - window,
        now + CLOCK_SKEW] and its places in flight (younger than IN_FLIGHT_TTL): fewer than
        *limit* in all, reserve a place at *now* (granted, its handle); *limit* failures or
        more (refused, the oldest failure's time); else (busy)."""

    async def fail_login_attempt(
        self, username: str, handle: str, now: float, *, window: float
    ) -> None:
        """The place *handle* becomes a failure at *now*."""

    async def release_login_attempt(self, username: str, handle: str) -> None:
        """Give the place *handle* back (gone already: nothing to do)."""


class SharedLoginThrottle(LoginThrottle):
    """The same rule, counted in the store every worker shares."""

    def __init__(self, *, store: FailureLog, limit: int = 30, window: float = 3600.0) -> None:
        super().__init__(limit=limit, window=window)
        self._store = store

    async def _try_reserve(self, username: str, now: float) -> Reservation:
        return await self._store.reserve_login_attempt(
            username, now, window=self.window, limit=self.limit
        )

    async def failed(self, username: str, attempt: Attempt, now: float) -> None:
        if isinstance(attempt.handle, str):
            await self._store.fail_login_attempt(username, attempt.handle, now, window=self.window)

    async def release(self, username: str, attempt: Attempt) -> None:
        if isinstance(attempt.handle, str):
            await self._store.release_login_attempt(username, attempt.handle)
