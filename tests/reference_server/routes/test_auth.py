"""POST /login, /refresh and /logout in-process, on a frozen clock: expiry, types, revocation,
rotation with its grace window, user rules, rate limit and cookie mode."""

from __future__ import annotations

from http.cookies import SimpleCookie

import httpx
import jwt
import pytest
from freezegun.api import FrozenDateTimeFactory

from tests.reference_server.flows import (
    DEMO_USER,
    FROZEN_EPOCH,
    bearer,
    running_api,
    unverified_claims,
)

pytestmark = pytest.mark.anyio

ACCESS_TTL = 900
REFRESH_TTL = 604_800


def assert_invalid_token(response: httpx.Response, reason: str) -> None:
    """A 401 with an RFC 6750 invalid_token challenge whose description mentions *reason*."""
    assert response.status_code == 401, response.text
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    assert reason in response.json()["detail"]


# --- login -----------------------------------------------------------------------------------


async def test_login_issues_an_access_and_a_refresh_token_with_their_lifetimes(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api() as api:
        response = await api.login_response()
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == ACCESS_TTL
    assert body["refresh_expires_in"] == REFRESH_TTL
    access = unverified_claims(body["access_token"])
    refresh = unverified_claims(body["refresh_token"])
    assert (access["type"], refresh["type"]) == ("access", "refresh")
    assert access["sub"] == refresh["sub"] == DEMO_USER
    assert access["iat"] == refresh["iat"] == FROZEN_EPOCH
    assert access["exp"] == FROZEN_EPOCH + ACCESS_TTL
    assert refresh["exp"] == FROZEN_EPOCH + REFRESH_TTL
    assert access["sid"] == refresh["sid"]
    assert access["jti"] != refresh["jti"]
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"


async def test_token_lifetimes_follow_the_settings(frozen: FrozenDateTimeFactory) -> None:
    async with running_api(access_ttl=60, refresh_ttl=3600) as api:
        session = await api.login()
    assert unverified_claims(session.access)["exp"] == FROZEN_EPOCH + 60
    assert unverified_claims(session.refresh)["exp"] == FROZEN_EPOCH + 3600


async def test_token_responses_must_not_be_cached(frozen: FrozenDateTimeFactory) -> None:
    async with running_api() as api:
        login = await api.login_response()
        refresh = await api.refresh(login.json()["refresh_token"])
    for response in (login, refresh):
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["pragma"] == "no-cache"


async def test_two_logins_in_the_same_second_get_different_tokens(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api() as api:
        first = await api.login()
        second = await api.login()
    assert first.access != second.access
    assert first.refresh != second.refresh
    ids = {
        unverified_claims(token)["jti"] for token in (*vars(first).values(), *vars(second).values())
    }
    assert len(ids) == 4
    assert unverified_claims(first.access)["sid"] != unverified_claims(second.access)["sid"]


async def test_wrong_password_and_unknown_user_get_the_same_answer() -> None:
    async with running_api() as api:
        wrong_password = await api.login_response(DEMO_USER, "password124")
        unknown_user = await api.login_response("nobody", "password123")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert (
        wrong_password.json() == unknown_user.json() == {"detail": "Incorrect username or password"}
    )


async def test_a_disabled_user_is_refused_at_login() -> None:
    async with running_api() as api:
        api.services.users.set_disabled(DEMO_USER, True)
        refused = await api.login_response()
        api.services.users.set_disabled(DEMO_USER, False)
        accepted = await api.login_response()
    assert refused.status_code == 401
    assert accepted.status_code == 200


async def test_a_deleted_user_is_refused_at_login() -> None:
    async with running_api() as api:
        assert api.services.users.delete(DEMO_USER)
        response = await api.login_response()
    assert response.status_code == 401


# --- access tokens ---------------------------------------------------------------------------


async def test_an_access_token_works_until_its_exp_and_not_at_it(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api() as api:
        session = await api.login()
        frozen.tick(ACCESS_TTL - 1)
        before = await api.protected(session.access)
        frozen.tick(1)
        at_exp = await api.protected(session.access)
    assert before.status_code == 200
    assert before.json() == {
        "message": f"Hello {DEMO_USER}",
        "data": "This is protected data",
        "user": DEMO_USER,
    }
    assert_invalid_token(at_exp, "expired")


async def test_leeway_extends_acceptance_by_exactly_that_many_seconds(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api(leeway=30) as api:
        session = await api.login()
        frozen.tick(ACCESS_TTL + 29)
        inside = await api.protected(session.access)
        frozen.tick(1)
        outside = await api.protected(session.access)
    assert inside.status_code == 200
    assert_invalid_token(outside, "expired")


async def test_a_refresh_token_is_not_an_access_token() -> None:
    async with running_api() as api:
        session = await api.login()
        response = await api.protected(session.refresh)
    assert_invalid_token(response, "wrong token type")


async def test_an_access_token_is_not_a_refresh_token() -> None:
    async with running_api() as api:
        session = await api.login()
        response = await api.refresh(session.access)
    assert_invalid_token(response, "wrong token type")


async def test_a_disabled_user_is_refused_at_protected_and_refresh_until_enabled() -> None:
    async with running_api() as api:
        session = await api.login()
        api.services.users.set_disabled(DEMO_USER, True)
        protected = await api.protected(session.access)
        refreshed = await api.refresh(session.refresh)
        api.services.users.set_disabled(DEMO_USER, False)
        protected_again = await api.protected(session.access)
        refreshed_again = await api.refresh(session.refresh)
    assert_invalid_token(protected, "unknown or disabled")
    assert_invalid_token(refreshed, "unknown or disabled")
    assert protected_again.status_code == refreshed_again.status_code == 200


async def test_a_deleted_user_is_refused_at_protected_and_refresh() -> None:
    async with running_api() as api:
        session = await api.login()
        api.services.users.delete(DEMO_USER)
        protected = await api.protected(session.access)
        refreshed = await api.refresh(session.refresh)
    assert_invalid_token(protected, "unknown or disabled")
    assert_invalid_token(refreshed, "unknown or disabled")


# --- refresh without rotation ----------------------------------------------------------------


async def test_refresh_without_rotation_answers_a_fresh_access_token_only(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api() as api:
        session = await api.login()
        frozen.tick(ACCESS_TTL + 5)
        first = await api.refresh(session.refresh)
        second = await api.refresh(session.refresh)
        new_access = first.json()["access_token"]
        protected = await api.protected(new_access)
    assert first.status_code == second.status_code == 200
    assert set(first.json()) == {"access_token", "token_type", "expires_in"}
    claims = unverified_claims(new_access)
    assert claims["iat"] == FROZEN_EPOCH + ACCESS_TTL + 5
    assert claims["sid"] == unverified_claims(session.refresh)["sid"]
    assert protected.status_code == 200


async def test_a_refreshed_access_token_has_the_access_lifetime(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api() as api:
        session = await api.login()
        frozen.tick(REFRESH_TTL - 100)  # the refresh token has 100 s left
        response = await api.refresh(session.refresh)
    claims = unverified_claims(response.json()["access_token"])
    assert claims["exp"] - claims["iat"] == ACCESS_TTL
    assert claims["iat"] == FROZEN_EPOCH + REFRESH_TTL - 100
    assert response.json()["expires_in"] == ACCESS_TTL


async def test_a_refresh_token_works_until_its_exp_and_not_at_it(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api() as api:
        session = await api.login()
        frozen.tick(REFRESH_TTL - 1)
        before = await api.refresh(session.refresh)
        frozen.tick(1)
        at_exp = await api.refresh(session.refresh)
    assert before.status_code == 200
    assert_invalid_token(at_exp, "expired")


@pytest.mark.parametrize("body", [None, {}, {"refresh_token": None}, {"refresh_token": ""}])
async def test_refresh_without_a_token_is_a_400_not_a_500(body: object) -> None:
    async with running_api() as api:
        response = await api.client.post("/refresh", json=body)
    assert response.status_code == 400
    assert "refresh_token is required" in response.json()["detail"]


# --- logout ----------------------------------------------------------------------------------


async def test_logout_revokes_every_token_of_the_session_and_only_that_session() -> None:
    async with running_api() as api:
        session = await api.login()
        other = await api.login()
        refreshed_access = (await api.refresh(session.refresh)).json()["access_token"]
        logout = await api.logout(session.access)
        access_after = await api.protected(session.access)
        refreshed_after = await api.protected(refreshed_access)
        refresh_after = await api.refresh(session.refresh)
        other_access = await api.protected(other.access)
        other_refresh = await api.refresh(other.refresh)
        logout_again = await api.logout(session.access)
    assert logout.status_code == 200
    assert logout.json() == {"detail": "logged out"}
    assert_invalid_token(access_after, "revoked")
    assert_invalid_token(refreshed_after, "revoked")
    assert_invalid_token(refresh_after, "revoked")
    assert other_access.status_code == other_refresh.status_code == 200
    assert_invalid_token(logout_again, "revoked")


async def test_logout_with_a_refresh_token_of_another_session_revokes_both() -> None:
    async with running_api() as api:
        first = await api.login()
        second = await api.login()
        logout = await api.logout(first.access, second.refresh)
        second_access = await api.protected(second.access)
        second_refresh = await api.refresh(second.refresh)
    assert logout.status_code == 200
    assert_invalid_token(second_access, "revoked")
    assert_invalid_token(second_refresh, "revoked")


async def test_logout_refuses_a_refresh_token_of_another_user_and_revokes_nothing() -> None:
    async with running_api() as api:
        api.services.users.put("alice", password="alice-password")
        mine = await api.login()
        theirs = await api.login("alice", "alice-password")
        logout = await api.logout(mine.access, theirs.refresh)
        mine_after = await api.protected(mine.access)
        theirs_after = await api.refresh(theirs.refresh)
    assert logout.status_code == 400
    assert "another user" in logout.json()["detail"]
    assert mine_after.status_code == theirs_after.status_code == 200


async def test_logout_refuses_a_malformed_refresh_token() -> None:
    async with running_api() as api:
        session = await api.login()
        logout = await api.logout(session.access, "not-a-jwt")
        wrong_type = await api.logout(session.access, session.access)
    assert logout.status_code == wrong_type.status_code == 400


async def test_logout_accepts_an_already_expired_refresh_token(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api() as api:
        old = await api.login()
        frozen.tick(REFRESH_TTL)
        current = await api.login()
        response = await api.logout(current.access, old.refresh)
        after = await api.protected(current.access)
    assert response.status_code == 200
    assert_invalid_token(after, "revoked")


async def test_logout_needs_an_access_token() -> None:
    async with running_api() as api:
        session = await api.login()
        anonymous = await api.client.post("/logout", json={"refresh_token": session.refresh})
        with_refresh = await api.logout(session.refresh)
        still_valid = await api.refresh(session.refresh)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="dualtoken"'
    assert_invalid_token(with_refresh, "wrong token type")
    assert still_valid.status_code == 200


# --- rotation --------------------------------------------------------------------------------


async def test_rotation_answers_a_new_refresh_token_of_the_same_session(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api(rotation=True) as api:
        session = await api.login()
        frozen.tick(60)
        response = await api.refresh(session.refresh)
        successor = response.json()["refresh_token"]
        next_response = await api.refresh(successor)
    assert response.status_code == next_response.status_code == 200
    assert response.json()["refresh_expires_in"] == REFRESH_TTL
    old, new = unverified_claims(session.refresh), unverified_claims(successor)
    assert new["type"] == "refresh"
    assert new["sid"] == old["sid"]
    assert new["jti"] != old["jti"]
    assert new["iat"] == FROZEN_EPOCH + 60
    assert new["exp"] == FROZEN_EPOCH + 60 + REFRESH_TTL


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_session() -> None:
    async with running_api(rotation=True) as api:
        session = await api.login()
        other = await api.login()
        rotated = await api.refresh(session.refresh)
        successor = rotated.json()["refresh_token"]
        new_access = rotated.json()["access_token"]
        reuse = await api.refresh(session.refresh)
        successor_after = await api.refresh(successor)
        access_after = await api.protected(new_access)
        first_access_after = await api.protected(session.access)
        other_after = await api.refresh(other.refresh)
    assert_invalid_token(reuse, "already used")
    assert_invalid_token(successor_after, "revoked")
    assert_invalid_token(access_after, "revoked")
    assert_invalid_token(first_access_after, "revoked")
    assert other_after.status_code == 200


async def test_the_grace_window_replays_the_same_current_token_for_the_predecessor(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api(rotation=True, rotation_grace=10) as api:
        session = await api.login()
        first = await api.refresh(session.refresh)
        frozen.tick(9)
        replay = await api.refresh(session.refresh)
        replay_again = await api.refresh(session.refresh)
        replay_access = await api.protected(replay.json()["access_token"])
        onward = await api.refresh(first.json()["refresh_token"])
    assert first.status_code == replay.status_code == replay_again.status_code == 200
    current = first.json()["refresh_token"]
    assert replay.json()["refresh_token"] == replay_again.json()["refresh_token"] == current
    assert replay.json()["access_token"] != first.json()["access_token"]
    assert replay_access.status_code == 200
    assert onward.status_code == 200  # the replay minted nothing: the current token still works


async def test_a_replay_at_the_end_of_the_grace_window_is_reuse(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api(rotation=True, rotation_grace=10) as api:
        session = await api.login()
        current = (await api.refresh(session.refresh)).json()["refresh_token"]
        frozen.tick(10)
        replay = await api.refresh(session.refresh)
        current_after = await api.refresh(current)
    assert_invalid_token(replay, "already used")
    assert_invalid_token(current_after, "revoked")


async def test_the_grace_window_covers_only_the_immediate_predecessor(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api(rotation=True, rotation_grace=10) as api:
        session = await api.login()
        second = (await api.refresh(session.refresh)).json()["refresh_token"]
        frozen.tick(1)
        third = (await api.refresh(second)).json()["refresh_token"]
        frozen.tick(1)
        older = await api.refresh(session.refresh)
        third_after = await api.refresh(third)
    assert_invalid_token(older, "already used")
    assert_invalid_token(third_after, "revoked")


async def test_without_a_grace_window_an_immediate_replay_is_reuse() -> None:
    async with running_api(rotation=True) as api:
        session = await api.login()
        current = (await api.refresh(session.refresh)).json()["refresh_token"]
        replay = await api.refresh(session.refresh)
        current_after = await api.refresh(current)
    assert_invalid_token(replay, "already used")
    assert_invalid_token(current_after, "revoked")


# --- rate limit ------------------------------------------------------------------------------


async def test_refresh_is_rate_limited_per_client_with_retry_after(
    frozen: FrozenDateTimeFactory,
) -> None:
    async with running_api(refresh_rate_limit=3, refresh_rate_window=60) as api:
        session = await api.login()
        allowed = [await api.refresh(session.refresh) for _ in range(3)]
        # Bad tokens count too: the limit is what stops guessing.
        limited = await api.refresh("garbage")
        other_transport = httpx.ASGITransport(app=api.app, client=("127.0.0.2", 50_000))
        async with httpx.AsyncClient(transport=other_transport, base_url="http://t") as other:
            other_client = await other.post("/refresh", json={"refresh_token": session.refresh})
        wait = int(limited.headers["retry-after"])
        frozen.tick(wait)
        after_wait = await api.refresh(session.refresh)
    assert [response.status_code for response in allowed] == [200, 200, 200]
    assert limited.status_code == 429
    assert wait == 20  # a burst of 3, then one per 60/3 s
    assert "too many" in limited.json()["detail"]
    assert other_client.status_code == 200
    assert after_wait.status_code == 200


async def test_no_rate_limit_when_it_is_zero() -> None:
    async with running_api(refresh_rate_limit=0) as api:
        session = await api.login()
        statuses = {(await api.refresh(session.refresh)).status_code for _ in range(50)}
    assert statuses == {200}


# --- cookie mode -----------------------------------------------------------------------------


def refresh_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    """The Set-Cookie headers for refresh_token, by their Path."""
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        if "refresh_token" in cookie:
            found[cookie["refresh_token"]["path"]] = cookie
    return found


async def test_cookie_mode_sets_an_httponly_strict_cookie_for_refresh_and_logout_only() -> None:
    async with running_api(refresh_cookie=True) as api:
        response = await api.login_response()
    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    cookies = refresh_cookies(response)
    assert set(cookies) == {"/refresh", "/logout"}
    for cookie in cookies.values():
        morsel = cookie["refresh_token"]
        assert unverified_claims(morsel.value)["type"] == "refresh"
        assert morsel["httponly"] is True
        assert morsel["samesite"].lower() == "strict"
        assert morsel["secure"] is True
        assert morsel["max-age"] == str(REFRESH_TTL)


async def test_cookie_mode_secure_flag_can_be_turned_off_for_plain_http_localhost() -> None:
    async with running_api(refresh_cookie=True, cookie_secure=False) as api:
        response = await api.login_response()
    for cookie in refresh_cookies(response).values():
        assert not cookie["refresh_token"]["secure"]
        assert cookie["refresh_token"]["httponly"] is True


async def test_cookie_mode_refresh_and_logout_read_the_cookie() -> None:
    async with running_api(refresh_cookie=True, rotation=True) as api:
        login = await api.login_response()
        token = refresh_cookies(login)["/refresh"]["refresh_token"].value
        refreshed = await api.client.post("/refresh", headers={"Cookie": f"refresh_token={token}"})
        successor = refresh_cookies(refreshed)["/refresh"]["refresh_token"].value
        access = refreshed.json()["access_token"]
        logout = await api.client.post(
            "/logout", headers={**bearer(access), "Cookie": f"refresh_token={successor}"}
        )
        after = await api.client.post("/refresh", headers={"Cookie": f"refresh_token={successor}"})
    assert refreshed.status_code == 200
    assert "refresh_token" not in refreshed.json()
    assert successor != token
    assert logout.status_code == 200
    expired = refresh_cookies(logout)
    assert set(expired) == {"/refresh", "/logout"}
    for cookie in expired.values():
        assert cookie["refresh_token"]["max-age"] == "0"
    assert_invalid_token(after, "revoked")


async def test_cookie_mode_still_accepts_a_json_refresh_token() -> None:
    async with running_api(refresh_cookie=True) as api:
        login = await api.login_response()
        token = refresh_cookies(login)["/refresh"]["refresh_token"].value
        response = await api.refresh(token)
    assert response.status_code == 200
