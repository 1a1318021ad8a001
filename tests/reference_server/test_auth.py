"""AuthService, below HTTP: what logout and rotation write to the store, and for how long."""

from __future__ import annotations

import pytest

from reference_server.app import build_services
from reference_server.auth import BadLogoutToken, InvalidCredentials, jti_key, sid_key
from reference_server.store import MemoryStore
from reference_server.tokens import TokenError
from tests.reference_server.flows import DEMO_PASSWORD, DEMO_USER, make_settings

pytestmark = pytest.mark.anyio

NOW = 1_893_456_000.0


async def test_logout_revokes_the_access_jti_and_the_session_until_they_expire() -> None:
    store = MemoryStore()
    auth = build_services(make_settings(), store=store).auth
    issued = await auth.login(DEMO_USER, DEMO_PASSWORD, NOW)
    await auth.logout(issued.access, None, NOW + 10)
    assert await store.any_revoked([jti_key(issued.access)])
    assert await store.any_revoked([sid_key(issued.access.sid)])
    # Kept exactly as long as a token they revoke can live, then purged.
    await store.purge(issued.access.exp - 1)
    assert await store.any_revoked([jti_key(issued.access)])
    await store.purge(issued.access.exp + 1)
    assert not await store.any_revoked([jti_key(issued.access)])
    await store.purge(NOW + 10 + auth.tokens.refresh_ttl - 1)
    assert await store.any_revoked([sid_key(issued.access.sid)])
    await store.purge(NOW + 10 + auth.tokens.refresh_ttl + 1)
    assert await store.size() == 0


async def test_wrong_credentials_raise_one_exception_for_every_reason() -> None:
    services = build_services(make_settings())
    services.users.put("off", password="pw", disabled=True)
    for username, password in [(DEMO_USER, "nope"), ("nobody", "pw"), ("off", "pw")]:
        with pytest.raises(InvalidCredentials):
            await services.auth.login(username, password, NOW)


async def test_a_session_issued_before_rotation_was_switched_on_can_rotate_once() -> None:
    store = MemoryStore()
    before = build_services(make_settings(), store=store).auth
    after = build_services(make_settings(rotation=True), store=store).auth
    issued = await before.login(DEMO_USER, DEMO_PASSWORD, NOW)
    assert issued.refresh_token is not None
    rotated = await after.refresh(issued.refresh_token, NOW + 1)
    assert rotated.refresh_token is not None
    with pytest.raises(TokenError, match="already used"):
        await after.refresh(issued.refresh_token, NOW + 2)
    with pytest.raises(TokenError, match="revoked"):
        await after.refresh(rotated.refresh_token, NOW + 3)


async def test_logout_names_the_problem_with_a_bad_refresh_token() -> None:
    auth = build_services(make_settings()).auth
    issued = await auth.login(DEMO_USER, DEMO_PASSWORD, NOW)
    with pytest.raises(BadLogoutToken, match="type"):
        await auth.logout(issued.access, issued.access_token, NOW)
    with pytest.raises(BadLogoutToken, match="malformed"):
        await auth.logout(issued.access, "x.y.z", NOW)
