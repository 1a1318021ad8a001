"""Error bodies and RFC 6750 challenges, and 422 bodies that can echo any input."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from reference_server import Settings, create_app
from reference_server.errors import AuthFailure, EchoSafeJSONResponse
from tests.reference_server.flows import dev_token


def test_challenges_follow_rfc_6750() -> None:
    assert AuthFailure.missing().challenge() == 'Bearer realm="dualtoken"'
    invalid = AuthFailure.invalid_token("token has expired")
    assert invalid.status == 401
    assert invalid.challenge() == (
        'Bearer realm="dualtoken", error="invalid_token", error_description="token has expired"'
    )
    assert AuthFailure.invalid_request("two tokens").status == 400


def test_an_error_description_never_breaks_out_of_its_quotes() -> None:
    challenge = AuthFailure.invalid_token('bad "quoted" \\ thing').challenge()
    description = challenge.split('error_description="', 1)[1]
    assert description == "bad 'quoted' / thing\""


def test_echo_safe_json_renders_lone_surrogates_and_non_finite_numbers() -> None:
    content = {"detail": [{"input": "\ud800", "nan": float("nan"), "inf": [float("-inf")]}]}
    body = bytes(EchoSafeJSONResponse(content, 422).body)
    assert body.isascii()
    parsed = json.loads(body)
    assert parsed["detail"][0]["input"] == "\ud800"
    assert parsed["detail"][0]["nan"] == "nan"
    assert parsed["detail"][0]["inf"] == ["-inf"]


@pytest.mark.anyio
async def test_an_unreachable_store_answers_503_not_500() -> None:
    # Not a client mistake, so not a 4xx; not a crash either: 503 with Retry-After.
    app = create_app(Settings(dev=True, store="redis://127.0.0.1:1/0"))
    transport = httpx.ASGITransport(app=app)
    now = int(time.time())
    claims = {"sub": "user1", "type": "access", "jti": "j", "sid": "s", "iat": now}
    access = dev_token({**claims, "exp": now + 60})
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        # The login throttle counts in the store too: it cannot, so no login is let through.
        login = await client.post("/login", json={"username": "user1", "password": "password123"})
        answer = await client.get("/protected", headers={"Authorization": f"Bearer {access}"})
    assert login.status_code == 503
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "1"
    assert "store unavailable" in answer.json()["detail"]
