"""The app shell's status bar: scheme, token mode, calls in flight, the last notice."""

from __future__ import annotations

from playwright.sync_api import Page


class StatusBar:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.scheme = page.get_by_test_id("status-scheme")
        self.variant = page.get_by_test_id("status-variant")
        self.user = page.get_by_test_id("status-user")
        self.mode = page.get_by_test_id("status-mode")
        self.inflight = page.get_by_test_id("status-inflight")
        self.succeeded = page.get_by_test_id("status-succeeded")
        self.failed = page.get_by_test_id("status-failed")
        self.refreshes = page.get_by_test_id("status-refreshes")
        self.coordination = page.get_by_test_id("status-coordination")
        self.notice = page.get_by_test_id("last-notice")

    def stored(self, key: str) -> str | None:
        """A localStorage value of this page's origin."""
        value = self.page.evaluate("key => window.localStorage.getItem(key)", key)
        return value if isinstance(value, str) else None

    def access_token(self) -> str | None:
        return self.stored("access_token")

    def refresh_token(self) -> str | None:
        return self.stored("refresh_token")
