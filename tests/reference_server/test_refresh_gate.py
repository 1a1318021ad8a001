"""/refresh counted against its limit in the same Redis round trip as the revocation lookup.

Against a real redis-server: how many commands a /refresh costs (Redis's own command counter),
and that every request is still counted exactly once, whatever its token, with the answers a
client saw before the merge (429 over budget whatever the token, 401 for a refused token).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis

from reference_server.store import RedisStore
from tests.reference_server.flows import FROZEN_EPOCH, Api, running_api

pytestmark = [pytest.mark.redis, pytest.mark.anyio]


_MARK = "dualtoken-test-end-of-watch"


async def _commands_sent(url: str, during: Callable[[], Awaitable[Any]]) -> list[str]:
    """The commands clients sent Redis while *during* ran (MONITOR, without scripts' own calls)."""
    seen: list[str] = []
    ready = threading.Event()
    raw, marker = redis.Redis.from_url(url), redis.Redis.from_url(url)
    marker.ping()  # its connection (and handshake) before the watch, not during it

    def watch() -> None:
        with raw.monitor() as monitor:
            ready.set()
            for entry in monitor.listen():
                if str(entry["command"]) == f"ECHO {_MARK}":
                    return
                if entry.get("client_type") != "lua":
                    seen.append(str(entry["command"]).split()[0].upper())

    watcher = threading.Thread(target=watch)
    watcher.start()
    ready.wait(5)
    try:
        await during()
    finally:
        marker.echo(_MARK)
        watcher.join(10)
    return seen


@pytest.fixture
async def api(redis_url: str) -> AsyncIterator[Api]:
    async with running_api(store=redis_url, refresh_rate_limit=3) as api:
        yield api


async def test_a_refresh_asks_redis_once(api: Api, redis_url: str) -> None:
    session = await api.login()
    assert (await api.refresh(session.refresh)).status_code == 200  # loads the script

    async def refresh() -> None:
        assert (await api.refresh(session.refresh)).status_code == 200

    # Count and revocation lookup in one script (it used to be a count, then an EXISTS).
    assert await _commands_sent(redis_url, refresh) == ["EVALSHA"]


async def test_a_protected_request_asks_redis_once(api: Api, redis_url: str) -> None:
    session = await api.login()
    assert (await api.protected(session.access)).status_code == 200  # opens the connection

    async def protected() -> None:
        assert (await api.protected(session.access)).status_code == 200

    assert await _commands_sent(redis_url, protected) == ["EXISTS"]


async def test_a_refused_token_counts_once_and_still_gets_its_401(api: Api) -> None:
    session = await api.login()
    bad_signature = session.refresh[:-2] + ("AA" if not session.refresh.endswith("AA") else "BB")
    statuses = [(await api.refresh(bad_signature)).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    # Three counted: the budget of 3 is spent, so a good token waits too.
    assert (await api.refresh(session.refresh)).status_code == 429


async def test_over_budget_the_answer_is_429_whatever_the_token(api: Api) -> None:
    session = await api.login()
    assert [(await api.refresh(session.refresh)).status_code for _ in range(3)] == [200] * 3
    assert (await api.refresh(session.refresh)).status_code == 429
    assert (await api.refresh("not.a.token")).status_code == 429
    await api.logout(session.access, session.refresh)
    assert (await api.refresh(session.refresh)).status_code == 429  # revoked, but limited first


async def test_a_revoked_token_within_budget_is_refused_and_counted(api: Api) -> None:
    session = await api.login()
    assert (await api.logout(session.access, session.refresh)).status_code == 200
    assert [(await api.refresh(session.refresh)).status_code for _ in range(4)] == [
        401,
        401,
        401,
        429,
    ]


async def test_the_script_skips_the_lookup_of_a_refused_request(redis_url: str) -> None:
    store = RedisStore(redis_url)
    keys = ["jti:j", "sid:s"]
    try:
        await store.revoke("sid:s", until=FROZEN_EPOCH + 60, now=FROZEN_EPOCH)

        async def hit(client: str) -> tuple[float, bool]:
            return await store.rate_hit_and_any_revoked(
                client, FROZEN_EPOCH, interval=10.0, window=10.0, keys=keys
            )

        assert await hit("c") == (0.0, True)
        assert await hit("c") == (10.0, False)  # refused: 10 s too early, nothing looked up
        assert await hit("d") == (0.0, True)  # per client
    finally:
        await store.close()
