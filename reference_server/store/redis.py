"""Redis store: shared by every worker and every server instance; Redis expires entries itself.

Entry lifetimes are given to Redis relative to the server clock (EX seconds), not as absolute
times, so a test clock moved far from wall time neither keeps entries forever nor drops them early.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis

from reference_server.login_throttle import CLOCK_SKEW, IN_FLIGHT_TTL, Reservation
from reference_server.store.base import Link, Rotation, RotationVerdict

# Compare-and-swap of a session's current refresh token, atomic inside Redis. It is the rule of
# base.decide_rotation written in Lua (Redis cannot call Python); the shared store contract tests
# (tests/reference_server/store/contract.py) hold all three backends to the same outcomes.
# KEYS[1] session hash; ARGV: presented, successor jti/iat/exp, now, grace, ttl.
_ROTATE = """
local s = redis.call('HGETALL', KEYS[1])
local h = {}
for i = 1, #s, 2 do h[s[i]] = s[i + 1] end
local now = tonumber(ARGV[5])
local grace = tonumber(ARGV[6])
if h['jti'] == nil or h['jti'] == ARGV[1] then
  redis.call('HSET', KEYS[1], 'jti', ARGV[2], 'iat', ARGV[3], 'exp', ARGV[4],
             'previous_jti', ARGV[1], 'rotated_at', ARGV[5])
  redis.call('EXPIRE', KEYS[1], ARGV[7])
  return {'rotated', ARGV[2], ARGV[3], ARGV[4]}
end
if grace > 0 and h['previous_jti'] == ARGV[1] and now - tonumber(h['rotated_at']) < grace then
  return {'grace_replay', h['jti'], h['iat'], h['exp']}
end
return {'reused', h['jti'], h['iat'], h['exp']}
"""


# The /refresh rate limit's GCRA (ratelimit.RateLimiter's rule) on one key per client, atomic
# inside Redis so that every worker and instance draws on one budget. Leaves `late` at 0 when
# allowed (and counts the request), else at how many seconds too early the request is.
# KEYS[1] client; ARGV: now, interval, window.
_GCRA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now or tat > now + window then tat = now end
local new_tat = tat + interval
local late = 0
if new_tat - now > window then
  late = new_tat - now - window
else
  redis.call('SET', KEYS[1], string.format('%.17g', new_tat), 'PX', math.ceil(window * 1000) + 1000)
end
"""

_RATE_HIT = _GCRA + "return tostring(late)\n"

# The same count and, when the request is allowed, the revocation lookup of KEYS[2..]: the two
# store questions of one /refresh in one round trip (see reference_server.refresh_gate).
_RATE_HIT_AND_ANY_REVOKED = (
    _GCRA
    + """
if late > 0 then return {tostring(late), 0} end
return {'0', redis.call('EXISTS', unpack(KEYS, 2))}
"""
)

# Reserve a place for one login in one step (login_throttle.SharedLoginThrottle), so that
# workers answering logins at the same moment cannot all take the last place. KEYS[1] holds the
# account's failures, KEYS[2] its places held by logins in flight, both scored by time. Drops
# failures outside (now - window, now + skew] and places older than the in-flight TTL; then
# refuses at `limit` failures, is busy at `limit` failures and places, and else adds ARGV[4].
# ARGV: now, now - window, limit, member, now + skew, now - in-flight TTL, places TTL in ms (times
# as Python wrote them, so no digits are lost to Lua's number formatting).
# Returns {'granted', '0'}, {'refused', oldest failure} or {'busy', '0'}.
_RESERVE_LOGIN = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '(' .. ARGV[5], '+inf')
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[6])
local failed = redis.call('ZCARD', KEYS[1])
if failed >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {'refused', oldest[2]}
end
if failed + redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  return {'busy', '0'}
end
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
return {'granted', '0'}
"""


def _ttl(until: float, now: float) -> int:
    return max(1, math.ceil(until - now))


class RedisStore:
    def __init__(self, url: str, *, prefix: str = "dualtoken:") -> None:
        self.url = url
        # A blocking pool: past its size a request waits for a free connection, where redis-py's
        # default pool raises "Too many connections" (a 500) once 100 commands are in flight.
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=100, timeout=10, decode_responses=True
        )
        self._redis: Any = aioredis.Redis.from_pool(pool)
        self._prefix = prefix
        self._rotate_script: Any = self._redis.register_script(_ROTATE)
        self._rate_script: Any = self._redis.register_script(_RATE_HIT)
        self._rate_and_revoked_script: Any = self._redis.register_script(_RATE_HIT_AND_ANY_REVOKED)
        self._reserve_login_script: Any = self._redis.register_script(_RESERVE_LOGIN)

    def _k(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    async def revoke(self, key: str, *, until: float, now: float) -> None:
        # Like the other stores, a second revocation may lengthen an entry, never shorten it.
        name, ttl = self._k("revoked", key), _ttl(until, now)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(name, "1", ex=ttl, nx=True)
            pipe.expire(name, ttl, gt=True)
            await pipe.execute()

    async def any_revoked(self, keys: Sequence[str]) -> bool:
        found = await self._redis.exists(*(self._k("revoked", key) for key in keys))
        return int(found) > 0

    async def begin_session(self, sid: str, first: Link) -> None:
        key = self._k("session", sid)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"jti": first.jti, "iat": first.iat, "exp": first.exp})
            pipe.expire(key, _ttl(first.exp, first.iat))
            await pipe.execute()

    async def rotate(
        self, sid: str, presented_jti: str, successor: Link, *, now: float, grace: float
    ) -> RotationVerdict:
        ttl = _ttl(successor.exp, now)
        args = [presented_jti, successor.jti, successor.iat, successor.exp, now, grace, ttl]
        outcome, jti, iat, exp = await self._rotate_script(
            keys=[self._k("session", sid)], args=args
        )
        return RotationVerdict(Rotation(outcome), Link(jti, int(iat), int(exp)))

    async def get_clock_offset(self) -> float:
        value = await self._redis.get(self._k("clock_offset"))
        return float(value) if value is not None else 0.0

    async def set_clock_offset(self, offset: float) -> None:
        await self._redis.set(self._k("clock_offset"), repr(offset))

    async def get_shared(self, name: str) -> str | None:
        value = await self._redis.get(self._k("shared", name))
        return str(value) if value is not None else None

    async def set_shared(self, name: str, value: str) -> None:
        await self._redis.set(self._k("shared", name), value)

    async def rate_hit(self, client: str, now: float, *, interval: float, window: float) -> float:
        """Count one request of *client*; 0 if allowed, else the seconds it came too early."""
        late = await self._rate_script(
            keys=[self._k("rate", client)], args=[repr(now), repr(interval), repr(window)]
        )
        return float(late)

    async def rate_hit_and_any_revoked(
        self, client: str, now: float, *, interval: float, window: float, keys: Sequence[str]
    ) -> tuple[float, bool]:
        """`rate_hit`, then (only if allowed) `any_revoked(keys)`: one round trip for both."""
        late, revoked = await self._rate_and_revoked_script(
            keys=[self._k("rate", client), *(self._k("revoked", key) for key in keys)],
            args=[repr(now), repr(interval), repr(window)],
        )
        return float(late), int(revoked) > 0

    async def reserve_login_attempt(
        self, username: str, now: float, *, window: float, limit: int
    ) -> Reservation:
        # A random member: two logins at the same instant are two places.
        member = secrets.token_hex(8)
        status, oldest = await self._reserve_login_script(
            keys=[self._k("login", username), self._k("login-in-flight", username)],
            args=[
                repr(now),
                repr(now - window),
                limit,
                member,
                repr(now + CLOCK_SKEW),
                repr(now - IN_FLIGHT_TTL),
                math.ceil(IN_FLIGHT_TTL * 1000),
            ],
        )
        if status == "granted":
            return "granted", member, 0.0
        if status == "refused":
            return "refused", "", float(oldest)
        return "busy", "", 0.0

    async def fail_login_attempt(
        self, username: str, handle: str, now: float, *, window: float
    ) -> None:
        failures = self._k("login", username)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._k("login-in-flight", username), handle)
            pipe.zadd(failures, {handle: now})
            pipe.pexpire(failures, math.ceil(window * 1000) + 1000)
            await pipe.execute()

    async def release_login_attempt(self, username: str, handle: str) -> None:
        await self._redis.zrem(self._k("login-in-flight", username), handle)

    async def purge(self, now: float) -> int:
        return 0  # Redis expires entries on its own

    async def size(self) -> int:
        count = 0
        async for _ in self._redis.scan_iter(match=self._k("*")):
            count += 1
        return count

    async def close(self) -> None:
        await self._redis.aclose()
