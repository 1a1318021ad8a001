"""In-process fixtures for the reference server's tests: a clean environment, a frozen clock."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory

from tests.reference_server.flows import FROZEN_AT


@pytest.fixture(autouse=True)
def _no_dualtoken_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings() reads DUALTOKEN_* variables: a developer's shell must not change test outcomes.
    for name in list(os.environ):
        if name.startswith("DUALTOKEN_"):
            monkeypatch.delenv(name)


@pytest.fixture
def frozen() -> Iterator[FrozenDateTimeFactory]:
    """Wall time frozen at FROZEN_AT; `frozen.tick(seconds)` moves it."""
    with freeze_time(FROZEN_AT, real_asyncio=True) as clock:
        assert isinstance(clock, FrozenDateTimeFactory)
        yield clock
