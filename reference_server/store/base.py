"""The one small interface behind which revocations, rotation state and the test clock live."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

# How often (in server-clock seconds) a store sweeps out entries whose tokens have expired.
PURGE_INTERVAL = 60.0


@dataclass(frozen=True)
class Link:
    """The current refresh token of a rotating session, enough to re-mint it byte for byte."""

    jti: str
    iat: int
    exp: int


class Rotation(Enum):
    ROTATED = "rotated"  # the presented token was current; the successor is now current
    GRACE_REPLAY = "grace_replay"  # the immediate predecessor, inside the grace window
    REUSED = "reused"  # a retired token: treat as theft (RFC 9700 §4.14.2)


@dataclass(frozen=True)
class RotationVerdict:
    outcome: Rotation
    current: Link | None  # the session's current refresh token after the call


class TokenStore(Protocol):
    """Revocation list keyed by strings ("jti:…", "sid:…"), with entries that expire."""

    async def revoke(self, key: str, *, until: float, now: float) -> None:
        """Remember *key* as revoked until *until*, when the token it names is dead anyway."""

    async def any_revoked(self, keys: Sequence[str]) -> bool:
        """True if any of *keys* is revoked; one round trip for the per-request check."""

    async def begin_session(self, sid: str, first: Link) -> None:
        """Start rotation bookkeeping for a new session whose first refresh token is *first*."""

    async def rotate(
        self, sid: str, presented_jti: str, successor: Link, *, now: float, grace: float
    ) -> RotationVerdict:
        """Atomically make *successor* current if *presented_jti* is current (compare-and-swap)."""

    async def get_clock_offset(self) -> float: ...

    async def get_shared(self, name: str) -> str | None:
        """A small document every worker sharing this store sees (the test users directory)."""

    async def set_shared(self, name: str, value: str) -> None: ...

    async def set_clock_offset(self, offset: float) -> None: ...

    async def purge(self, now: float) -> int:
        """Drop entries that can no longer matter; return how many went."""

    async def size(self) -> int:
        """How many entries (revocations + sessions) the store holds."""

    async def close(self) -> None: ...


def decide_rotation(
    *,
    current: Link | None,
    previous_jti: str | None,
    rotated_at: float | None,
    presented_jti: str,
    now: float,
    grace: float,
) -> Rotation:
    """The rotation rule, shared by every backend so they cannot disagree.

    A session with no bookkeeping (rotation switched on after the token was issued) treats the
    presented token as its current one.
    """
    if current is None or current.jti == presented_jti:
        return Rotation.ROTATED
    if (
        grace > 0
        and previous_jti == presented_jti
        and rotated_at is not None
        and now - rotated_at < grace
    ):
        return Rotation.GRACE_REPLAY
    return Rotation.REUSED
