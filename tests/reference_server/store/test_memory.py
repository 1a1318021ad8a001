"""The in-memory store (memory://)."""

from __future__ import annotations

import pytest

from reference_server.store import MemoryStore
from tests.reference_server.store.contract import PurgingStoreContract


class TestMemoryStore(PurgingStoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()
