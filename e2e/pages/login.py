"""The login page."""

from __future__ import annotations

from playwright.sync_api import Page

DEMO_USER = "user1"
DEMO_PASSWORD = "password123"


class LoginPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.username = page.get_by_test_id("login-username")
        self.password = page.get_by_test_id("login-password")
        self.submit = page.get_by_test_id("login-submit")
        self.error = page.get_by_test_id("login-error")
        self.reason = page.get_by_test_id("login-reason")

    def open(self, client_query: str) -> LoginPage:
        """Go to /login; *client_query* picks the client (`scheme=queue`, `variant=storm`)."""
        self.page.goto(f"/login?{client_query}")
        return self

    def log_in(self, username: str = DEMO_USER, password: str = DEMO_PASSWORD) -> None:
        self.username.fill(username)
        self.password.fill(password)
        self.submit.click()
