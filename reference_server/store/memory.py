"""In-memory store for tests and single-process runs: one event loop, so no locks are needed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reference_server.store.base import (
    PURGE_INTERVAL,
    Link,
    Rotation,
    RotationVerdict,
    decide_rotation,
)


@dataclass
class _Session:
    current: Link
    previous_jti: str | None = None
    rotated_at: float | None = None


class MemoryStore:
    def __init__(self) -> None:
        self._revoked: dict[str, float] = {}
        self._sessions: dict[str, _Session] = {}
        self._offset = 0.0
        self._shared: dict[str, str] = {}
        self._last_purge = float("-inf")

    async def revoke(self, key: str, *, until: float, now: float) -> None:
        self._revoked[key] = max(until, self._revoked.get(key, until))
        if now - self._last_purge >= PURGE_INTERVAL:
            await self.purge(now)

    async def any_revoked(self, keys: Sequence[str]) -> bool:
        return any(key in self._revoked for key in keys)

    async def begin_session(self, sid: str, first: Link) -> None:
        self._sessions[sid] = _Session(current=first)

    async def rotate(
        self, sid: str, presented_jti: str, successor: Link, *, now: float, grace: float
    ) -> RotationVerdict:
        # No await between reading and writing: atomic on the event loop.
        session = self._sessions.get(sid)
        outcome = decide_rotation(
            current=session.current if session else None,
            previous_jti=session.previous_jti if session else None,
            rotated_at=session.rotated_at if session else None,
            presented_jti=presented_jti,
            now=now,
            grace=grace,
        )
        if outcome is Rotation.ROTATED:
            self._sessions[sid] = _Session(successor, previous_jti=presented_jti, rotated_at=now)
            return RotationVerdict(outcome, successor)
        return RotationVerdict(outcome, session.current if session else None)

    async def get_clock_offset(self) -> float:
        return self._offset

    async def set_clock_offset(self, offset: float) -> None:
        self._offset = offset

    async def get_shared(self, name: str) -> str | None:
        return self._shared.get(name)

    async def set_shared(self, name: str, value: str) -> None:
        self._shared[name] = value

    async def purge(self, now: float) -> int:
        self._last_purge = now
        dead_keys = [key for key, until in self._revoked.items() if until < now]
        dead_sessions = [sid for sid, s in self._sessions.items() if s.current.exp < now]
        for key in dead_keys:
            del self._revoked[key]
        for sid in dead_sessions:
            del self._sessions[sid]
        return len(dead_keys) + len(dead_sessions)

    async def size(self) -> int:
        return len(self._revoked) + len(self._sessions)

    async def close(self) -> None:
        return None
