"""Page objects: locators built once by data-testid, user actions as methods."""

from e2e.pages.dashboard import DashboardPage
from e2e.pages.login import DEMO_PASSWORD, DEMO_USER, LoginPage
from e2e.pages.status import StatusBar

__all__ = ["DEMO_PASSWORD", "DEMO_USER", "DashboardPage", "LoginPage", "StatusBar"]
