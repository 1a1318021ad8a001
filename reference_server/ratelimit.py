"""Per-client rate limit for /refresh (the seed's note 2), as a generic cell rate algorithm.

GCRA keeps one number per client (the theoretical arrival time), allows a burst of `limit`
requests and then one every `window / limit` seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

_MAX_CLIENTS = 100_000


def gcra(tat: float | None, now: float, *, interval: float, window: float) -> tuple[float, float]:
    """One request against a client's theoretical arrival time *tat* (None: never seen).

    Returns (the new tat to keep, 0) when allowed, else (tat unchanged, seconds too early).
    The stores that count for every worker (SQLite; Redis in Lua) apply this same rule.
    """
    if tat is None or tat < now or tat > now + window:
        # Idle client, or a test clock moved backwards: start afresh.
        tat = now
    new_tat = tat + interval
    if new_tat - now > window:
        return tat, new_tat - now - window
    return new_tat, 0.0


class SharedCounter(Protocol):
    """A store that runs the GCRA itself, for every worker at once (store.RedisStore)."""

    async def rate_hit(
        self, client: str, now: float, *, interval: float, window: float
    ) -> float: ...

    async def rate_hit_and_any_revoked(
        self, client: str, now: float, *, interval: float, window: float, keys: Sequence[str]
    ) -> tuple[float, bool]: ...


class RateLimiter:
    def __init__(self, *, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._interval = window / limit if limit else 0.0
        self._tat: dict[str, float] = {}

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    async def check(self, client: str, now: float) -> int:
        """`hit`, awaitable: what the routes call, so a shared limiter can ask its store."""
        return self.hit(client, now)

    def hit(self, client: str, now: float) -> int:
        """Count one request; return 0 if allowed, else the seconds to wait (for Retry-After)."""
        if not self.enabled:
            return 0
        new_tat, late = gcra(
            self._tat.get(client), now, interval=self._interval, window=self.window
        )
        if late > 0:
            return _retry_after(late)
        if len(self._tat) >= _MAX_CLIENTS:
            self._forget_idle(now)
        self._tat[client] = new_tat
        return 0

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, tat in self._tat.items() if tat < now]:
            del self._tat[client]


class SharedRateLimiter(RateLimiter):
    """The same rule, counted in the store, so N workers (or instances) allow `limit`, not N x.

    Each process counting alone would let a client make `limit` requests per window to each
    worker its connections happen to reach.
    """

    def __init__(self, *, limit: int, window: float, store: SharedCounter) -> None:
        super().__init__(limit=limit, window=window)
        self._store = store

    async def check(self, client: str, now: float) -> int:
        if not self.enabled:
            return 0
        late = await self._store.rate_hit(client, now, interval=self._interval, window=self.window)
        return _retry_after(late)

    def counts_in(self, store: object) -> bool:
        """True when *store* is the one this limiter counts in (so one round trip can do both)."""
        return store is self._store

    async def check_and_lookup(
        self, client: str, now: float, revocation_keys: Sequence[str]
    ) -> tuple[int, bool]:
        """`check`, and if allowed whether any of *revocation_keys* is revoked: one round trip.

        A refused request gets (seconds to wait, False): its keys were not looked up. Only for
        an enabled limiter (a disabled one has nothing to count: ask the store alone).
        """
        late, revoked = await self._store.rate_hit_and_any_revoked(
            client, now, interval=self._interval, window=self.window, keys=revocation_keys
        )
        return _retry_after(late), revoked


def _retry_after(late: float) -> int:
    return max(1, math.ceil(late)) if late > 0 else 0
