"""One browser context driving one client build against one server, with its network log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, Page, expect

from e2e.network import NetworkLog
from e2e.pages import DashboardPage, LoginPage, StatusBar
from e2e.servers import RunningServer

DASHBOARD_URL = re.compile(r"/dashboard(\?.*)?$")
LOGIN_URL = re.compile(r"/login(\?.*)?$")


class HarnessError(RuntimeError):
    """The test set-up went wrong (not the client under test): never mistaken for a caught fault."""


@dataclass
class Tab:
    """One page of the context with its page objects."""

    page: Page
    login: LoginPage = field(init=False)
    dashboard: DashboardPage = field(init=False)
    status: StatusBar = field(init=False)

    def __post_init__(self) -> None:
        self.login = LoginPage(self.page)
        self.dashboard = DashboardPage(self.page)
        self.status = StatusBar(self.page)


@dataclass
class Harness:
    """What a scenario needs: the context (tabs share its storage), a first tab, the server,
    the query that selects the client (`scheme=queue`, `variant=storm`), and the network log."""

    context: BrowserContext
    server: RunningServer
    client_query: str
    network: NetworkLog
    tab: Tab
    expected_variant: str | None = None

    @property
    def page(self) -> Page:
        return self.tab.page

    def open_login(self, tab: Tab | None = None) -> Tab:
        tab = tab or self.tab
        tab.login.open(self.client_query)
        self._check_client(tab)
        return tab

    def log_in(self) -> Tab:
        """Log the first tab in as the demo user and land on the dashboard."""
        tab = self.open_login()
        tab.login.log_in()
        try:
            expect(tab.page).to_have_url(DASHBOARD_URL, timeout=5_000)
            expect(tab.dashboard.user).to_have_text("user1")
        except AssertionError as exc:
            # Logging in is set-up, not the behaviour under test.
            raise HarnessError(f"could not log in: {exc}") from None
        return tab

    def new_tab(self) -> Tab:
        """Another tab of the same browser context, opened on the dashboard."""
        tab = Tab(self.context.new_page())
        tab.dashboard.open(self.client_query)
        self._check_client(tab)
        return tab

    def _check_client(self, tab: Tab) -> None:
        """The build must run the client the test asked for; else the test proves nothing."""
        if self.expected_variant is None:
            return
        tab.status.variant.wait_for(timeout=5_000)
        shown = tab.status.variant.text_content()
        if shown != self.expected_variant:
            raise HarnessError(
                f"asked for variant {self.expected_variant!r}, the page runs {shown!r}"
            )
