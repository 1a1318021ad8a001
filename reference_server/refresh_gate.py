"""/refresh within its rate limit, with the count and the revocation lookup in one store trip.

With a shared limiter (the Redis store) a /refresh used to ask the store twice: the limiter's
counter, then the revocation lookup of the token's jti and session. Each round trip costs the
worker CPU (redis-py packs the command and parses the answer, the event loop wakes for it),
about as much as every other check of the request together. Here the request is counted by the
first revocation lookup the refresh makes: one Lua script counts it and, if it is allowed, looks
the keys up. A request that never reaches the lookup (a bad signature, an expired or wrong-kind
token) is counted on its own afterwards, so every request still counts exactly once.

What a client sees does not change: a client over its budget gets 429 whatever its token, a
refused token within budget gets 401, and an over-budget refresh changes nothing (the script
refuses before the rotation step). The refresh rules stay in `AuthService` (and in the faulty
subclasses the conformance suite's mutants are), which run unchanged over a store wrapper.
"""

from __future__ import annotations

from collections.abc import Sequence

from reference_server.auth import AuthService, IssuedTokens
from reference_server.errors import RateLimited
from reference_server.ratelimit import RateLimiter, SharedRateLimiter
from reference_server.store import Link, RotationVerdict, TokenStore
from reference_server.tokens import TokenError

__all__ = ["refresh_within_limit"]


async def refresh_within_limit(
    auth: AuthService, limiter: RateLimiter, token: str, *, client: str, now: float
) -> IssuedTokens:
    """`auth.refresh(token, now)` if *client* is within its budget, else RateLimited.

    TokenError (refused token) and the store's errors pass through, as from `auth.refresh`.
    """
    if not (
        isinstance(limiter, SharedRateLimiter) and limiter.enabled and limiter.counts_in(auth.store)
    ):
        wait = await limiter.check(client, now)
        if wait:
            raise RateLimited(wait)
        return await auth.refresh(token, now)
    counting = _CountingStore(auth.store, limiter, client=client, now=now)
    try:
        issued = await auth.using_store(counting).refresh(token, now)
    except TokenError:
        wait = await counting.count_once()
        if wait:
            raise RateLimited(wait) from None
        raise
    # Counted already unless the rules never looked the token up (only a faulty AuthService).
    wait = await counting.count_once()
    if wait:
        raise RateLimited(wait)
    return issued


class _CountingStore:
    """The store, except that its first revocation lookup also counts the request."""

    def __init__(
        self, store: TokenStore, limiter: SharedRateLimiter, *, client: str, now: float
    ) -> None:
        self._store = store
        self._limiter = limiter
        self._client = client
        self._now = now
        self._counted = False

    async def count_once(self) -> int:
        """Count the request unless a lookup did; 0 or the seconds to wait."""
        if self._counted:
            return 0
        self._counted = True
        return await self._limiter.check(self._client, self._now)

    async def any_revoked(self, keys: Sequence[str]) -> bool:
        if self._counted:
            return await self._store.any_revoked(keys)
        self._counted = True
        wait, revoked = await self._limiter.check_and_lookup(self._client, self._now, keys)
        if wait:
            raise RateLimited(wait)
        return revoked

    # Everything else is the store's own.

    async def revoke(self, key: str, *, until: float, now: float) -> None:
        await self._store.revoke(key, until=until, now=now)

    async def begin_session(self, sid: str, first: Link) -> None:
        await self._store.begin_session(sid, first)

    async def rotate(
        self, sid: str, presented_jti: str, successor: Link, *, now: float, grace: float
    ) -> RotationVerdict:
        return await self._store.rotate(sid, presented_jti, successor, now=now, grace=grace)

    async def get_clock_offset(self) -> float:
        return await self._store.get_clock_offset()

    async def set_clock_offset(self, offset: float) -> None:
        await self._store.set_clock_offset(offset)

    async def get_shared(self, name: str) -> str | None:
        return await self._store.get_shared(name)

    async def set_shared(self, name: str, value: str) -> None:
        await self._store.set_shared(name, value)

    async def purge(self, now: float) -> int:
        return await self._store.purge(now)

    async def size(self) -> int:
        return await self._store.size()

    async def close(self) -> None:
        await self._store.close()
