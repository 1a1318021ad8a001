"""The /__test__ hooks: absent (404) by default; with DUALTOKEN_TEST_CLOCK=1 they move the server's
clock, which every issue and check reads, and manage users."""

from __future__ import annotations

import time

import pytest
from freezegun.api import FrozenDateTimeFactory

from tests.reference_server.flows import DEMO_USER, FROZEN_EPOCH, running_api, unverified_claims

pytestmark = pytest.mark.anyio

HOOKS = [
    ("GET", "/__test__/clock", None),
    ("POST", "/__test__/clock", {"advance": 1}),
    ("POST", f"/__test__/users/{DEMO_USER}/disable", None),
    ("POST", f"/__test__/users/{DEMO_USER}/enable", None),
    ("PUT", "/__test__/users/mallory", {"password": "mallory-password"}),
    ("DELETE", f"/__test__/users/{DEMO_USER}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), HOOKS)
async def test_hooks_are_404_unless_the_test_clock_is_enabled(
    method: str, path: str, body: object
) -> None:
    async with running_api() as api:
        response = await api.client.request(method, path, json=body)
        login = await api.login_response()
    assert response.status_code == 404
    assert login.status_code == 200  # nothing was disabled, deleted or replaced
    assert not any(path.startswith("/__test__") for path in api.app.openapi()["paths"])


async def test_the_clock_reads_wall_time_until_moved(frozen: FrozenDateTimeFactory) -> None:
    async with running_api(test_clock=True) as api:
        initial = await api.client.get("/__test__/clock")
        advanced = await api.client.post("/__test__/clock", json={"advance": 100})
        frozen.tick(5)
        later = await api.client.get("/__test__/clock")
        moved = await api.client.post("/__test__/clock", json={"set": 2_000_000_000})
    assert initial.json() == {"now": FROZEN_EPOCH}
    assert advanced.json() == {"now": FROZEN_EPOCH + 100}
    assert later.json() == {"now": FROZEN_EPOCH + 105}
    assert moved.json() == {"now": 2_000_000_000}


async def test_tokens_are_issued_and_checked_on_the_test_clock(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api(test_clock=True) as api:
        await api.client.post("/__test__/clock", json={"advance": 3600})
        session = await api.login()
        await api.client.post("/__test__/clock", json={"advance": 899})
        before = await api.protected(session.access)
        await api.client.post("/__test__/clock", json={"advance": 1})
        after = await api.protected(session.access)
    assert unverified_claims(session.access)["iat"] == FROZEN_EPOCH + 3600
    assert before.status_code == 200
    assert after.status_code == 401
    assert "expired" in after.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [{}, {"advance": 1, "set": 2}, {"advance": None, "set": None}],
    ids=["neither", "both", "both null"],
)
async def test_the_clock_wants_exactly_one_change(body: dict[str, object]) -> None:
    async with running_api(test_clock=True) as api:
        response = await api.client.post("/__test__/clock", json=body)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "raw",
    [
        b'{"advance": NaN}',
        b'{"advance": Infinity}',
        b'{"advance": 1e400}',
        b'{"advance": 1e12}',
        b'{"set": -1}',
        b'{"set": 1e12}',
        b'{"advance": "soon"}',
        b'{"advance": 1, "extra": 1}',
    ],
)
async def test_the_clock_refuses_absurd_changes_with_422(raw: bytes) -> None:
    async with running_api(test_clock=True) as api:
        response = await api.client.post(
            "/__test__/clock", content=raw, headers={"Content-Type": "application/json"}
        )
        clock = await api.client.get("/__test__/clock")
    assert response.status_code == 422
    assert abs(clock.json()["now"] - time.time()) < 60  # not moved


async def test_user_hooks_create_disable_enable_and_delete_users() -> None:
    async with running_api(test_clock=True) as api:
        created = await api.client.put("/__test__/users/alice", json={"password": "alice-pw"})
        session = await api.login("alice", "alice-pw")
        disabled = await api.client.post("/__test__/users/alice/disable")
        login_disabled = await api.login_response("alice", "alice-pw")
        protected_disabled = await api.protected(session.access)
        enabled = await api.client.post("/__test__/users/alice/enable")
        protected_enabled = await api.protected(session.access)
        deleted = await api.client.delete("/__test__/users/alice")
        login_deleted = await api.login_response("alice", "alice-pw")
        deleted_again = await api.client.delete("/__test__/users/alice")
        disable_unknown = await api.client.post("/__test__/users/nobody/disable")
    assert created.status_code == disabled.status_code == enabled.status_code == 200
    assert deleted.status_code == 200
    assert login_disabled.status_code == protected_disabled.status_code == 401
    assert protected_enabled.status_code == 200
    assert login_deleted.status_code == 401
    assert deleted_again.status_code == disable_unknown.status_code == 404
