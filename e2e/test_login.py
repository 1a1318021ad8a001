"""Logging in and out, the route guard, and reloads, for both concurrency schemes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from e2e import scenarios
from e2e.harness import DASHBOARD_URL, LOGIN_URL, Harness
from e2e.pages import LoginPage, StatusBar


def test_login_succeeds(harness: Harness) -> None:
    scenarios.login_succeeds(harness)


def test_login_shows_a_loading_state(harness: Harness) -> None:
    scenarios.login_shows_loading_state(harness)


def test_login_failure_and_empty_form_show_errors(harness: Harness) -> None:
    scenarios.login_failure_shows_error(harness)


def test_dashboard_needs_a_session_and_returns_there_after_login(page: Page) -> None:
    page.goto("/dashboard")
    expect(page).to_have_url(LOGIN_URL)
    assert parse_qs(urlsplit(page.url).query).get("redirect") == ["/dashboard"], page.url
    LoginPage(page).log_in()
    expect(page).to_have_url(DASHBOARD_URL)


def test_login_redirect_stays_inside_the_app(page: Page) -> None:
    page.goto("/login?redirect=//example.invalid/phish")
    LoginPage(page).log_in()
    expect(page).to_have_url(DASHBOARD_URL)


def test_scheme_is_chosen_by_query_and_kept_for_the_tab(harness: Harness, scheme: str) -> None:
    harness.log_in()
    status = StatusBar(harness.page)
    expect(status.scheme).to_have_text(scheme)
    harness.page.goto("/dashboard")  # no query: the tab remembers
    expect(status.scheme).to_have_text(scheme)


def test_logout_revokes_tokens_on_the_server(harness: Harness) -> None:
    scenarios.logout_revokes_tokens(harness)


def test_logout_with_expired_access_token_still_revokes(harness: Harness) -> None:
    scenarios.logout_revokes_tokens(harness, expired_first=True)


def test_reload_keeps_the_session(harness: Harness) -> None:
    scenarios.reload_keeps_session(harness)
