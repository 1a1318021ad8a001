"""The plain-ASGI hot routes answer byte for byte what the FastAPI routes answer.

Two apps with the same settings, one with `HotRoutes` and one without, each with its own store,
run the same script of requests (login, refreshes with rotation and reuse, revoked, expired,
disabled, malformed and rate-limited requests...) at the same frozen time with the same "random"
ids; every answer (status, header list in order, body) must be identical. A change to either
path that the other does not copy fails here.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
import redis
from freezegun import freeze_time

from reference_server import auth as auth_module
from reference_server import tokens as tokens_module
from reference_server.app import create_app
from reference_server.hotpath import HotRoutes
from tests.reference_server.flows import DEMO_PASSWORD, DEMO_USER, FROZEN_AT, make_settings

pytestmark = pytest.mark.anyio

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
Step = Callable[[httpx.AsyncClient, dict[str, str]], Awaitable[httpx.Response]]


@pytest.fixture
def counted_ids(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """Make token and session ids a counter that a script can restart."""
    counter: list[Iterator[int]] = [itertools.count()]
    for module in (tokens_module, auth_module):
        monkeypatch.setattr(module, "new_id", lambda: f"id-{next(counter[0])}")

    def restart() -> None:
        counter[0] = itertools.count()

    yield restart


async def _login(client: httpx.AsyncClient, memory: dict[str, str]) -> httpx.Response:
    response = await client.post("/login", json={"username": DEMO_USER, "password": DEMO_PASSWORD})
    body = response.json()
    memory["access"], memory["refresh"] = body["access_token"], body.get("refresh_token", "")
    return response


def _get(path: str, headers: Callable[[dict[str, str]], dict[str, str]]) -> Step:
    async def step(client: httpx.AsyncClient, memory: dict[str, str]) -> httpx.Response:
        return await client.get(path, headers=headers(memory))

    return step


def _post(path: str, **request: Callable[[dict[str, str]], Any]) -> Step:
    async def step(client: httpx.AsyncClient, memory: dict[str, str]) -> httpx.Response:
        return await client.post(path, **{name: make(memory) for name, make in request.items()})

    return step


def _remember_refresh(step: Step) -> Step:
    async def remembered(client: httpx.AsyncClient, memory: dict[str, str]) -> httpx.Response:
        response = await step(client, memory)
        if response.status_code == 200 and "refresh_token" in response.json():
            memory["old_refresh"], memory["refresh"] = (
                memory["refresh"],
                response.json()["refresh_token"],
            )
        return response

    return remembered


def _bearer(key: str) -> Callable[[dict[str, str]], dict[str, str]]:
    return lambda memory: {"Authorization": f"Bearer {memory[key]}"}


def _refresh_with(key: str) -> Step:
    return _remember_refresh(
        _post("/refresh", json=lambda memory: {"refresh_token": memory.get(key, "none")})
    )


SCRIPT: list[tuple[str, Step]] = [
    ("public", _get("/public", lambda _: {})),
    ("public, CORS origin", _get("/public", lambda _: {"Origin": "https://app.example"})),
    ("login", _login),
    ("protected", _get("/protected", _bearer("access"))),
    (
        "protected, lower-case scheme",
        _get("/protected", lambda m: {"Authorization": f"bearer {m['access']}"}),
    ),
    ("protected, refresh token", _get("/protected", _bearer("refresh"))),
    ("protected, garbage", _get("/protected", lambda _: {"Authorization": "Bearer a.b.c"})),
    ("protected, two words", _get("/protected", lambda _: {"Authorization": "Bearer a b"})),
    ("protected, basic", _get("/protected", lambda _: {"Authorization": "Basic dTpw"})),
    ("protected, none", _get("/protected", lambda _: {})),
    ("refresh", _refresh_with("refresh")),
    ("refresh, access token", _refresh_with("access")),
    ("refresh, empty object", _post("/refresh", json=lambda _: {})),
    ("refresh, empty token", _post("/refresh", json=lambda _: {"refresh_token": ""})),
    ("refresh, number", _post("/refresh", json=lambda _: {"refresh_token": 5})),
    ("refresh, list", _post("/refresh", json=lambda _: [])),
    (
        "refresh, not json",
        _post(
            "/refresh",
            content=lambda _: b"{",
            headers=lambda _: {"Content-Type": "application/json"},
        ),
    ),
    (
        "refresh, text/plain",
        _post(
            "/refresh",
            content=lambda m: f'{{"refresh_token":"{m["refresh"]}"}}'.encode(),
            headers=lambda _: {"Content-Type": "text/plain"},
        ),
    ),
    (
        "refresh, surrogate",
        _post(
            "/refresh",
            content=lambda _: b'{"refresh_token":"\\ud800"}',
            headers=lambda _: {"Content-Type": "application/json"},
        ),
    ),
    (
        "refresh, extra field",
        _remember_refresh(
            _post("/refresh", json=lambda m: {"refresh_token": m["refresh"], "x": 1})
        ),
    ),
    ("refresh, retired token (reuse)", _refresh_with("old_refresh")),
    ("protected after reuse", _get("/protected", _bearer("access"))),
    ("login again", _login),
    ("refresh until limited 1", _refresh_with("refresh")),
    ("refresh until limited 2", _refresh_with("refresh")),
    ("refresh until limited 3", _refresh_with("refresh")),
    ("refresh until limited 4", _refresh_with("refresh")),
    ("refresh until limited 5", _refresh_with("refresh")),
    ("refresh until limited 6", _refresh_with("refresh")),
    ("clock +1000", _post("/__test__/clock", json=lambda _: {"advance": 1000})),
    ("protected, expired", _get("/protected", _bearer("access"))),
    ("login after expiry", _login),
    ("disable user", _post(f"/__test__/users/{DEMO_USER}/disable")),
    ("protected, disabled user", _get("/protected", _bearer("access"))),
    ("refresh, disabled user", _refresh_with("refresh")),
    ("enable user", _post(f"/__test__/users/{DEMO_USER}/enable")),
    ("logout", _post("/logout", headers=_bearer("access"))),
    ("protected, logged out", _get("/protected", _bearer("access"))),
    ("refresh, logged out", _refresh_with("refresh")),
]


async def _run(hot: bool, restart_ids: Callable[[], None], **settings: Any) -> list[Answer]:
    restart_ids()
    app = create_app(make_settings(**settings), hot_routes=hot)
    assert any(m.cls is HotRoutes for m in app.user_middleware) is hot
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50_000))
    answers: list[Answer] = []
    memory: dict[str, str] = {}
    with freeze_time(FROZEN_AT, real_asyncio=True):
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for _, step in SCRIPT:
                response = await step(client, memory)
                answers.append((response.status_code, list(response.headers.raw), response.content))
    await app.state.services.store.close()
    return answers


@pytest.mark.parametrize(
    "settings",
    [
        {"rotation": True, "refresh_rate_limit": 5, "test_clock": True},
        {"rotation": False, "refresh_rate_limit": 5, "test_clock": True},
        {
            "rotation": True,
            "rotation_grace": 30,
            "refresh_rate_limit": 0,
            "test_clock": True,
            "cors_origins": ["https://app.example"],
        },
        {
            "rotation": True,
            "refresh_cookie": True,
            "cookie_secure": False,
            "refresh_rate_limit": 0,
            "test_clock": True,
        },
    ],
    ids=["rotation", "no rotation", "grace and CORS", "cookie mode"],
)
async def test_hot_routes_answer_exactly_like_fastapi(
    settings: dict[str, Any], counted_ids: Callable[[], None]
) -> None:
    hot = await _run(True, counted_ids, **settings)
    plain = await _run(False, counted_ids, **settings)
    for (name, _), fast, slow in zip(SCRIPT, hot, plain, strict=True):
        assert fast == slow, name
    statuses = {status for status, _, _ in plain}
    assert {200, 400, 401, 422, 429} <= statuses or not settings["refresh_rate_limit"]


@pytest.mark.redis
@pytest.mark.parametrize("rotation", [True, False], ids=["rotation", "no rotation"])
async def test_hot_routes_answer_exactly_like_fastapi_over_redis(
    rotation: bool, redis_url: str, counted_ids: Callable[[], None]
) -> None:
    # With Redis the rate limit is counted in the store, in the revocation lookup's round trip
    # (reference_server.refresh_gate): the same answers, limited and refused requests included.
    settings = {"store": redis_url, "rotation": rotation, "refresh_rate_limit": 5}
    hot = await _run(True, counted_ids, test_clock=True, **settings)
    redis.Redis.from_url(redis_url).flushall()
    plain = await _run(False, counted_ids, test_clock=True, **settings)
    for (name, _), fast, slow in zip(SCRIPT, hot, plain, strict=True):
        assert fast == slow, name
    assert {200, 400, 401, 422, 429} <= {status for status, _, _ in plain}
