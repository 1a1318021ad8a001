"""Failed-login throttling per account (OWASP ASVS v4.0.3 2.2.1: no more than 100 failed
attempts per hour on a single account; this server allows 30, well within that and far above
what a person mistyping ever needs).

Failures are counted per username, known or not (so the answer does not tell which exist);
once an account has `limit` failures within `window` seconds, logins for it are refused with
429 and Retry-After until the oldest of them leaves the window. A right password does not
reset the count: the point is to bound guessing, not to reward a lucky guess.
"""

from __future__ import annotations

import math
from collections import deque

__all__ = ["LoginThrottle"]

# Bounds the memory an attacker spraying usernames can make the server hold.
_MAX_ACCOUNTS = 100_000


class LoginThrottle:
    def __init__(self, *, limit: int = 30, window: float = 3600.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}

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
