"""Several tabs of one browser: one refresh serves them all, logout and login propagate."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

from e2e import scenarios
from e2e.harness import Harness
from e2e.pages import StatusBar

# Takes away Web Locks and BroadcastChannel before the app loads, as in browsers without them.
WITHOUT_LOCKS_AND_CHANNEL = """
Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
window.BroadcastChannel = undefined;
"""


def test_logout_in_one_tab_logs_out_the_others(harness: Harness) -> None:
    scenarios.logout_propagates(harness)


def test_login_in_one_tab_logs_in_the_others(harness: Harness) -> None:
    scenarios.login_propagates(harness)


@pytest.mark.server("rotation")
def test_one_refresh_for_two_tabs_without_web_locks(
    context: BrowserContext, harness: Harness
) -> None:
    """The IndexedDB lease stands in for the Web Locks API."""
    context.add_init_script(WITHOUT_LOCKS_AND_CHANNEL)
    scenarios.two_tabs_share_one_refresh(harness)
    expect(StatusBar(harness.page).coordination).to_have_text("idb-lease+storage-event")


def test_logout_propagates_without_broadcast_channel(
    context: BrowserContext, harness: Harness
) -> None:
    """`storage` events stand in for BroadcastChannel."""
    context.add_init_script(WITHOUT_LOCKS_AND_CHANNEL)
    scenarios.logout_propagates(harness)
    expect(StatusBar(harness.page).coordination).to_have_text("idb-lease+storage-event")
