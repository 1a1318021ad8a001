"""20 parallel refreshes of one refresh token with rotation on: at most one live successor.

Without a grace window exactly one request wins; the other 19 present a token that is no longer
current, which is reuse, so the session ends revoked and the winner's token is dead too. With a
grace window all 20 get the same successor, and it works. Checked in-process (asyncio.gather on
each store) and against a real server with two workers (SQLite and Redis), where the 20
requests leave at the same instant on 20 already-open connections, 10 to each worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from tests.conftest import StartServer
from tests.reference_server.flows import running_api
from tests.reference_server.rawhttp import (
    RawResponse,
    build_request,
    connections_per_worker,
    send_at_once,
)
from tests.servers import ServerProcess

PARALLEL = 20
GRACE = 30

pytestmark = pytest.mark.anyio

STORES = ["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)]


def store_url(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if store == "redis":
        url: str = request.getfixturevalue("redis_url")
        return url
    return "memory://" if store == "memory" else f"sqlite:///{tmp_path}/race.db"


def assert_at_most_one_successor(
    statuses: Sequence[int], successors: Sequence[str], follow_up: dict[str, int], grace: int
) -> None:
    """*successors*: the refresh tokens of the 200 answers; *follow_up*: each one's next use."""
    assert len(set(successors)) <= 1, "two different successors were minted"
    assert sum(status == 200 for status in follow_up.values()) <= 1
    if grace:
        assert list(statuses) == [200] * PARALLEL  # the winner and 19 grace replays
        assert list(follow_up.values()) == [200]  # the one successor is live
    else:
        assert sorted(statuses) == [200] + [401] * (PARALLEL - 1)
        assert list(follow_up.values()) == [401]  # the losers' reuse revoked the session


@pytest.mark.parametrize("grace", [0, GRACE])
@pytest.mark.parametrize("store", STORES)
async def test_parallel_refreshes_in_process(
    store: str, grace: int, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = store_url(store, tmp_path, request)
    async with running_api(store=url, rotation=True, rotation_grace=grace) as api:
        session = await api.login()
        responses = await asyncio.gather(*(api.refresh(session.refresh) for _ in range(PARALLEL)))
        successors = [r.json()["refresh_token"] for r in responses if r.status_code == 200]
        follow_up = {
            token: (await api.refresh(token)).status_code for token in dict.fromkeys(successors)
        }
    statuses = [response.status_code for response in responses]
    assert_at_most_one_successor(statuses, successors, follow_up, grace)


@pytest.mark.slow
@pytest.mark.parametrize("grace", [0, GRACE])
@pytest.mark.parametrize("store", STORES[1:])
def test_parallel_refreshes_against_two_workers(
    store: str,
    grace: int,
    start_server: StartServer,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    server = start_server(
        {
            "DUALTOKEN_STORE": store_url(store, tmp_path, request),
            "DUALTOKEN_ROTATION": "1",
            "DUALTOKEN_ROTATION_GRACE": str(grace),
            "DUALTOKEN_REFRESH_RATE_LIMIT": "0",
        },
        workers=2,
    )
    login = httpx.post(
        f"{server.base_url}/login", json={"username": "user1", "password": "password123"}
    )
    refresh = build_request(
        "POST", "/refresh", json_body={"refresh_token": login.json()["refresh_token"]}
    )
    responses = asyncio.run(race_on_both_workers(server, refresh))
    successors = [r.json()["refresh_token"] for r in responses if r.status == 200]
    follow_up = {
        token: httpx.post(f"{server.base_url}/refresh", json={"refresh_token": token}).status_code
        for token in dict.fromkeys(successors)
    }
    assert_at_most_one_successor([r.status for r in responses], successors, follow_up, grace)


async def race_on_both_workers(server: ServerProcess, request: bytes) -> list[RawResponse]:
    # Half the requests on connections of each worker, so the race is between processes.
    connections = await connections_per_worker(server, PARALLEL // 2, workers=2)
    try:
        assert len({connection.pid for connection in connections}) == 2
        return await send_at_once(connections, request)
    finally:
        for connection in connections:
            connection.close()
