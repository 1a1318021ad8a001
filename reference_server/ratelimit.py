"""Per-client rate limit for /refresh (the seed's note 2), as a generic cell rate algorithm.

GCRA keeps one number per client (the theoretical arrival time), allows a burst of `limit`
requests and then one every `window / limit` seconds.
"""

from __future__ import annotations

import math

_MAX_CLIENTS = 100_000


class RateLimiter:
    def __init__(self, *, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._interval = window / limit if limit else 0.0
        self._tat: dict[str, float] = {}

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def hit(self, client: str, now: float) -> int:
        """Count one request; return 0 if allowed, else the seconds to wait (for Retry-After)."""
        if not self.enabled:
            return 0
        tat = self._tat.get(client, now)
        if tat < now or tat > now + self.window:
            # Idle client, or a test clock moved backwards: start afresh.
            tat = now
        new_tat = tat + self._interval
        if new_tat - now > self.window:
            return max(1, math.ceil(new_tat - now - self.window))
        if len(self._tat) >= _MAX_CLIENTS:
            self._forget_idle(now)
        self._tat[client] = new_tat
        return 0

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, tat in self._tat.items() if tat < now]:
            del self._tat[client]
