"""Cookie mode: the refresh token is an HttpOnly cookie the page can neither read nor store."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

from e2e import scenarios
from e2e.harness import Harness
from e2e.pages import StatusBar

pytestmark = pytest.mark.server("cookie")


def refresh_cookies(context: BrowserContext) -> list[dict[str, object]]:
    return [dict(cookie) for cookie in context.cookies() if cookie["name"] == "refresh_token"]


def test_refresh_token_is_an_httponly_cookie_only(
    context: BrowserContext, harness: Harness
) -> None:
    tab = harness.log_in()
    expect(StatusBar(tab.page).mode).to_have_text("cookie")
    assert tab.status.refresh_token() is None, "cookie mode stored a refresh token in localStorage"
    cookies = refresh_cookies(context)
    assert {cookie["path"] for cookie in cookies} == {"/refresh", "/logout"}, cookies
    assert all(cookie["httpOnly"] for cookie in cookies), cookies
    script_view = tab.page.evaluate("() => document.cookie")
    assert "refresh_token" not in script_view


def test_concurrent_calls_share_one_refresh_in_cookie_mode(harness: Harness) -> None:
    scenarios.concurrent_burst(harness, 10)
    refreshes = harness.network.refresh_calls()
    assert all("refresh_token" not in (exchange.query or {}) for exchange in refreshes), (
        "refresh token in a URL"
    )


def test_expired_refresh_cookie_ends_the_session(harness: Harness) -> None:
    scenarios.refresh_token_expired(harness)


def test_logout_clears_the_cookie_and_revokes(context: BrowserContext, harness: Harness) -> None:
    scenarios.logout_revokes_tokens(harness)
    assert refresh_cookies(context) == [], "refresh cookie left after logout"


def test_two_tabs_share_one_refresh_in_cookie_mode(harness: Harness) -> None:
    scenarios.two_tabs_share_one_refresh(harness)
