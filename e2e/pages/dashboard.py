"""The dashboard: single fetches, logout, and bursts of concurrent protected calls."""

from __future__ import annotations

from playwright.sync_api import Page


class DashboardPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.user = page.get_by_test_id("dashboard-user")
        self.protected_button = page.get_by_test_id("fetch-protected")
        self.public_button = page.get_by_test_id("fetch-public")
        self.logout_button = page.get_by_test_id("logout")
        self.result = page.get_by_test_id("result")
        self.result_error = page.get_by_test_id("result-error")
        self.burst_size = page.get_by_test_id("burst-size")
        self.burst_fire = page.get_by_test_id("burst-fire")
        self.burst_report = page.get_by_test_id("burst-report")
        self.burst_ok = page.get_by_test_id("burst-ok")
        self.burst_failed = page.get_by_test_id("burst-failed")
        self.burst_pending = page.get_by_test_id("burst-pending")
        self.burst_failures = page.get_by_test_id("burst-failures")

    def open(self, client_query: str = "") -> DashboardPage:
        self.page.goto(f"/dashboard?{client_query}" if client_query else "/dashboard")
        return self

    def fetch_protected(self) -> None:
        self.protected_button.click()

    def fetch_public(self) -> None:
        self.public_button.click()

    def log_out(self) -> None:
        self.logout_button.click()

    def fire_burst(self, size: int) -> None:
        """Send *size* GET /protected at once (each tagged `call=<burst>-<i>`)."""
        self.burst_size.fill(str(size))
        self.burst_fire.click()
