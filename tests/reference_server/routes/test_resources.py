"""GET /protected, /public and /healthz in-process, and how the Authorization header is read."""

from __future__ import annotations

import pytest

from tests.reference_server.flows import DEMO_USER, running_api

pytestmark = pytest.mark.anyio


async def test_public_and_healthz_need_no_token() -> None:
    async with running_api() as api:
        public = await api.client.get("/public")
        health = await api.client.get("/healthz")
    assert public.status_code == 200
    assert public.json() == {"message": "This is public data"}
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}


async def test_protected_answers_the_token_owner() -> None:
    async with running_api() as api:
        api.services.users.put("alice", password="alice-password")
        session = await api.login("alice", "alice-password")
        response = await api.protected(session.access)
    assert response.status_code == 200
    assert response.json()["user"] == "alice"
    assert response.json()["message"] == "Hello alice"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Basic dXNlcjE6cGFzc3dvcmQxMjM="}],
    ids=["no header", "empty header", "basic scheme"],
)
async def test_no_bearer_credentials_is_401_with_a_bare_challenge(headers: dict[str, str]) -> None:
    async with running_api() as api:
        response = await api.client.get("/protected", headers=headers)
    assert response.status_code == 401
    # RFC 6750 §3.1: no error code when the request carried no credentials at all.
    assert response.headers["www-authenticate"] == 'Bearer realm="dualtoken"'


@pytest.mark.parametrize("value", ["Bearer", "Bearer ", "Bearer a b", "Bearer  a  b  c"])
async def test_a_bearer_header_without_exactly_one_token_is_invalid_request(value: str) -> None:
    async with running_api() as api:
        response = await api.client.get("/protected", headers={"Authorization": value})
    assert response.status_code == 400
    assert 'error="invalid_request"' in response.headers["www-authenticate"]


async def test_the_scheme_name_is_case_insensitive() -> None:
    async with running_api() as api:
        session = await api.login()
        lower = await api.client.get(
            "/protected", headers={"Authorization": f"bearer {session.access}"}
        )
        upper = await api.client.get(
            "/protected", headers={"Authorization": f"BEARER {session.access}"}
        )
    assert lower.status_code == upper.status_code == 200
    assert lower.json()["user"] == DEMO_USER


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9.e30.", "é.é.é"])
async def test_a_malformed_token_is_invalid_token(token: str) -> None:
    async with running_api() as api:
        response = await api.client.get(
            "/protected", headers=[(b"authorization", f"Bearer {token}".encode())]
        )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
