"""Silent refresh: one /refresh however many calls meet the expired token, each retried once."""

from __future__ import annotations

import pytest

from e2e import scenarios
from e2e.conftest import Measurements
from e2e.harness import Harness


def test_protected_fetch_needs_no_refresh(harness: Harness) -> None:
    scenarios.protected_fetch(harness)


def test_silent_refresh_after_expiry(harness: Harness) -> None:
    scenarios.silent_refresh(harness)


@pytest.mark.parametrize("size", [10, 50])
def test_concurrent_calls_share_one_refresh(
    harness: Harness, scheme: str, size: int, measurements: Measurements
) -> None:
    refreshes = scenarios.concurrent_burst(harness, size)
    measurements.record(f"refresh_calls[{scheme}, {size} concurrent]", refreshes)


@pytest.mark.server("rotation")
def test_concurrent_calls_with_rotation(harness: Harness) -> None:
    scenarios.concurrent_burst(harness, 10)
