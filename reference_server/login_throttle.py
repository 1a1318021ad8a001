"""Failed-login throttling per account (OWASP ASVS v4.0.3 2.2.1: no more than 100 failed
attempts per hour on a single account; this server allows 30, well within that and far above
what a person mistyping ever needs).

Failures are counted per username, known or not (so the answer does not tell which exist);
once an account has `limit` failures within `window` seconds, logins for it are refused with
429 and Retry-After until the oldest of them leaves the window. A right password does not
reset the count: the point is to bound guessing, not to reward a lucky guess.

`LoginThrottle` counts in its own process. With several workers (or instances) each would
count alone and an account would get N x 30 guesses, so where the store is shared (Redis; a
SQLite file under several workers) `SharedLoginThrottle` keeps the failures in the store and
every worker applies the one count. Either way the count is checked before a login and added to
after a failure, so attempts already in flight when the limit is reached still finish (a login
takes one password hash, a few milliseconds).
"""

from __future__ import annotations

import math
from collections import deque
from typing import Protocol

__all__ = ["FailureLog", "LoginThrottle", "SharedLoginThrottle"]

# Bounds the memory an attacker spraying usernames can make the server hold.
_MAX_ACCOUNTS = 100_000


class LoginThrottle:
    def __init__(self, *, limit: int = 30, window: float = 3600.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}

    async def wait(self, username: str, now: float) -> int:
        """`retry_after`, awaitable: what the login route calls, so a shared one can ask."""
        return self.retry_after(username, now)

    async def record_failure(self, username: str, now: float) -> None:
        """`failed`, awaitable."""
        self.failed(username, now)

    def retry_after(self, username: str, now: float) -> int:
        """0 if `username` may try to log in now, else the seconds until it may."""
        failures = self._recent(username, now)
        if self.limit <= 0 or failures is None or len(failures) < self.limit:
            return 0
        return max(1, math.ceil(failures[0] + self.window - now))

    def failed(self, username: str, now: float) -> None:
        if self.limit <= 0:
            return
        failures = self._recent(username, now)
        if failures is None:
            if len(self._failures) >= _MAX_ACCOUNTS:
                self._forget_idle(now)
            failures = self._failures.setdefault(username, deque())
        failures.append(now)

    def _recent(self, username: str, now: float) -> deque[float] | None:
        failures = self._failures.get(username)
        if failures is None:
            return None
        # A test clock moved backwards, or time passed: keep only failures inside the window.
        while failures and not now - self.window < failures[0] <= now:
            failures.popleft()
        return failures

    def _forget_idle(self, now: float) -> None:
        for username in [
            u for u, f in self._failures.items() if not f or f[-1] <= now - self.window
        ]:
            del self._failures[username]


class FailureLog(Protocol):
    """A store that keeps failed logins for every worker (store.RedisStore, store.SQLiteStore)."""

    async def login_failures(
        self, username: str, now: float, *, window: float
    ) -> tuple[int, float]:
        """(failures of *username* in (now - window, now], the time of the oldest of them)."""

    async def add_login_failure(self, username: str, now: float, *, window: float) -> None: ...


class SharedLoginThrottle(LoginThrottle):
    """The same rule, with the failures counted in the store every worker shares."""

    def __init__(self, *, store: FailureLog, limit: int = 30, window: float = 3600.0) -> None:
        super().__init__(limit=limit, window=window)
        self._store = store

    async def wait(self, username: str, now: float) -> int:
        if self.limit <= 0:
            return 0
        count, oldest = await self._store.login_failures(username, now, window=self.window)
        if count < self.limit:
            return 0
        return max(1, math.ceil(oldest + self.window - now))

    async def record_failure(self, username: str, now: float) -> None:
        if self.limit > 0:
            await self._store.add_login_failure(username, now, window=self.window)
