"""The Redis store (redis://): shared by workers; Redis expires entries on the server clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import anyio
import pytest
import redis

from reference_server.store import Link, RedisStore, Rotation
from tests.reference_server.store.contract import NOW, StoreContract, link

pytestmark = [pytest.mark.redis, pytest.mark.anyio]


class TestRedisStore(StoreContract):
    @pytest.fixture
    async def store(self, redis_url: str) -> AsyncIterator[RedisStore]:
        store = RedisStore(redis_url)
        yield store
        await store.close()


@pytest.fixture
def raw(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url, decode_responses=True)


async def test_entries_expire_relative_to_the_server_clock(
    redis_url: str, raw: redis.Redis
) -> None:
    store = RedisStore(redis_url)
    far_future = NOW + 10 * 365 * 86_400  # a test clock moved years ahead
    try:
        await store.revoke("jti:a", until=far_future + 900, now=far_future)
        await store.revoke("jti:b", until=NOW + 0.2, now=NOW)
        await store.begin_session("s", Link("r0", int(far_future), int(far_future) + 3600))
        await store.rotate(
            "s", "r0", Link("r1", int(far_future), int(far_future) + 7200), now=far_future, grace=0
        )
    finally:
        await store.close()
    assert raw.ttl("dualtoken:revoked:jti:a") == 900
    assert raw.ttl("dualtoken:revoked:jti:b") == 1  # rounded up, never 0 (which means forever)
    assert 7199 <= raw.ttl("dualtoken:session:s") <= 7200


async def test_a_second_revocation_never_shortens_an_entry(
    redis_url: str, raw: redis.Redis
) -> None:
    store = RedisStore(redis_url)
    try:
        await store.revoke("sid:s", until=NOW + 3600, now=NOW)
        await store.revoke("sid:s", until=NOW + 60, now=NOW)
        assert raw.ttl("dualtoken:revoked:sid:s") > 3000
        await store.revoke("sid:s", until=NOW + 7200, now=NOW)
        assert raw.ttl("dualtoken:revoked:sid:s") > 7000
    finally:
        await store.close()


async def test_an_entry_is_gone_once_its_token_has_expired(redis_url: str) -> None:
    store = RedisStore(redis_url)
    try:
        await store.revoke("jti:short", until=NOW + 0.5, now=NOW)
        assert await store.any_revoked(["jti:short"])
        await anyio.sleep(1.1)
        assert not await store.any_revoked(["jti:short"])
        assert await store.purge(NOW) == 0  # nothing for the server to sweep
        assert await store.size() == 0
    finally:
        await store.close()


async def test_separate_clients_share_revocations_sessions_and_the_clock(redis_url: str) -> None:
    one, two = RedisStore(redis_url), RedisStore(redis_url)
    try:
        await one.revoke("sid:s", until=NOW + 60, now=NOW)
        await one.set_clock_offset(-12.5)
        await one.begin_session("t", link("r0"))
        await one.rotate("t", "r0", link("r1"), now=NOW, grace=0)
        assert await two.any_revoked(["sid:s"])
        assert await two.get_clock_offset() == -12.5
        assert (await two.rotate("t", "r0", link("x"), now=NOW, grace=0)).outcome is (
            Rotation.REUSED
        )
    finally:
        await one.close()
        await two.close()


async def test_rotation_is_a_compare_and_swap_across_clients(redis_url: str) -> None:
    clients = [RedisStore(redis_url) for _ in range(10)]
    try:
        await clients[0].begin_session("s", link("r0"))
        verdicts = await asyncio.gather(
            *(
                client.rotate("s", "r0", link(f"r1-{n}-{m}"), now=NOW, grace=0)
                for n, client in enumerate(clients)
                for m in range(3)
            )
        )
    finally:
        for client in clients:
            await client.close()
    winners = [v for v in verdicts if v.outcome is Rotation.ROTATED]
    assert len(winners) == 1
    assert {v.current for v in verdicts} == {winners[0].current}


async def test_keys_live_under_the_prefix(redis_url: str, raw: redis.Redis) -> None:
    store = RedisStore(redis_url, prefix="other:")
    try:
        await store.revoke("jti:a", until=NOW + 60, now=NOW)
    finally:
        await store.close()
    assert raw.keys("*") == ["other:revoked:jti:a"]
