"""The server's clock: wall time, plus an offset that the test hooks may move.

Every token issued and every expiry check reads this clock, so browser, load and over-HTTP
conformance runs can expire tokens without waiting. The offset lives in the revocation store so
that all workers sharing a SQLite file or a Redis server agree on the time.
"""

from __future__ import annotations

import time

from reference_server.store.base import TokenStore


class Clock:
    """Answers `now()` in epoch seconds; adjustable only when the test clock is enabled."""

    def __init__(self, store: TokenStore, *, adjustable: bool) -> None:
        self._store = store
        self.adjustable = adjustable

    async def now(self) -> float:
        # time.time() is what freezegun patches, so in-process frozen runs move this clock too.
        wall = time.time()
        if not self.adjustable:
            return wall
        return wall + await self._store.get_clock_offset()

    async def advance(self, seconds: float) -> float:
        offset = await self._store.get_clock_offset()
        await self._store.set_clock_offset(offset + seconds)
        return await self.now()

    async def set(self, epoch: float) -> float:
        await self._store.set_clock_offset(epoch - time.time())
        return await self.now()
