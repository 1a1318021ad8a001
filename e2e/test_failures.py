"""When refreshing cannot help: the session ends cleanly, or the error stays local."""

from __future__ import annotations

from e2e import scenarios
from e2e.harness import Harness


def test_expired_refresh_token_ends_the_session(harness: Harness) -> None:
    scenarios.refresh_token_expired(harness)


def test_revoked_refresh_token_ends_the_session(harness: Harness) -> None:
    scenarios.refresh_token_revoked(harness)


def test_missing_refresh_token_ends_the_session_without_calling_refresh(
    harness: Harness,
) -> None:
    scenarios.refresh_token_missing(harness)


def test_retry_answering_401_settles_and_later_calls_work(harness: Harness) -> None:
    scenarios.retry_answering_401_settles(harness)


def test_retry_answering_5xx_keeps_the_session(harness: Harness) -> None:
    scenarios.retry_answering_5xx_keeps_session(harness)


def test_403_and_network_errors_keep_the_session(harness: Harness) -> None:
    scenarios.forbidden_and_network_errors_keep_session(harness)
