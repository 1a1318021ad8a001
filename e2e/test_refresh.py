"""Silent refresh as the user sees it (the burst cases are the client suite's, tests/e2e/)."""

from __future__ import annotations

from e2e import scenarios
from e2e.harness import Harness


def test_protected_fetch_needs_no_refresh(harness: Harness) -> None:
    scenarios.protected_fetch(harness)


def test_silent_refresh_after_expiry(harness: Harness) -> None:
    scenarios.silent_refresh(harness)
