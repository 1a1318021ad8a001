"""The seed target behaves as the design publishes it, gaps included, so verdicts on it hold."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from freezegun import freeze_time

from reference_server.launcher import http_ready, launch
from tests.servers import LOOPBACK, REPO_ROOT, free_port
from tests.targets.seed.main import SECRET_KEY, app

pytestmark = [
    pytest.mark.anyio,
    # PyJWT warns about the design's 15-byte key on every use; that key is the point here.
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]

CREDENTIALS = {"username": "user1", "password": "password123"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # raise_app_exceptions=False: an unhandled error becomes the 500 a real server sends.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://seed") as client:
        yield client


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


async def test_login_refresh_protected_public_as_published(client: httpx.AsyncClient) -> None:
    login = await client.post("/login", json=CREDENTIALS)
    assert login.status_code == 200
    body = login.json()
    assert set(body) == {"access_token", "refresh_token", "token_type"}
    assert body["token_type"] == "bearer"
    assert set(_claims(body["access_token"])) == {"sub", "exp", "iat", "type"}  # no jti
    assert _claims(body["refresh_token"])["type"] == "refresh"

    refreshed = await client.post("/refresh", json={"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access_token", "token_type"}  # no new refresh token

    access = refreshed.json()["access_token"]
    protected = await client.get("/protected", headers={"Authorization": f"Bearer {access}"})
    assert protected.json() == {"message": "Hello user1", "data": "This is protected data"}
    assert (await client.get("/public")).json() == {"message": "This is public data"}


async def test_refresh_without_the_field_is_a_500(client: httpx.AsyncClient) -> None:
    assert (await client.post("/refresh", json={})).status_code == 500


async def test_two_logins_in_one_second_give_identical_tokens(client: httpx.AsyncClient) -> None:
    with freeze_time("2026-01-01 12:00:00", real_asyncio=True):
        first = (await client.post("/login", json=CREDENTIALS)).json()
        second = (await client.post("/login", json=CREDENTIALS)).json()
    assert first == second


async def test_the_hard_coded_key_signs_and_exp_is_optional(client: httpx.AsyncClient) -> None:
    forged = jwt.encode({"sub": "user1", "type": "access"}, SECRET_KEY, algorithm="HS256")
    answer = await client.get("/protected", headers={"Authorization": f"Bearer {forged}"})
    assert SECRET_KEY == "your-secret-key"
    assert answer.status_code == 200


async def test_wrong_kind_and_wrong_password_are_refused(client: httpx.AsyncClient) -> None:
    tokens = (await client.post("/login", json=CREDENTIALS)).json()
    as_access = await client.get(
        "/protected", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    )
    assert as_access.status_code == 401
    as_refresh = await client.post("/refresh", json={"refresh_token": tokens["access_token"]})
    assert as_refresh.json() == {"detail": "Invalid refresh token"}
    wrong = await client.post("/login", json={"username": "user1", "password": "nope"})
    assert wrong.status_code == 401


async def test_there_is_no_logout(client: httpx.AsyncClient) -> None:
    assert (await client.post("/logout", json={})).status_code == 404


@pytest.mark.slow
def test_module_entry_serves_on_the_given_port() -> None:
    port = free_port()
    argv = [sys.executable, "-m", "tests.targets.seed", "--http", "h11", "--loop", "asyncio"]
    argv += ["--log-level", "warning", "--port", str(port)]
    with launch("seed", lambda _: argv, port=port, ready=http_ready("/public"), cwd=REPO_ROOT):
        answer = httpx.get(f"http://{LOOPBACK}:{port}/public", timeout=5)
        assert answer.json() == {"message": "This is public data"}
