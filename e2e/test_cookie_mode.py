"""Cookie mode: the refresh token is an HttpOnly cookie the page can neither read nor store."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

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
