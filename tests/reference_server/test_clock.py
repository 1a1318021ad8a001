"""Clock: wall time, moved only when the test clock is enabled, shared through the store."""

from __future__ import annotations

import pytest
from freezegun.api import FrozenDateTimeFactory

from reference_server.clock import Clock
from reference_server.store import MemoryStore
from tests.reference_server.flows import FROZEN_EPOCH

pytestmark = pytest.mark.anyio


async def test_the_clock_reads_wall_time(frozen: FrozenDateTimeFactory) -> None:
    clock = Clock(MemoryStore(), adjustable=True)
    assert await clock.now() == FROZEN_EPOCH
    frozen.tick(1.5)
    assert await clock.now() == FROZEN_EPOCH + 1.5


async def test_advance_and_set_move_an_adjustable_clock(frozen: FrozenDateTimeFactory) -> None:
    clock = Clock(MemoryStore(), adjustable=True)
    assert await clock.advance(60) == FROZEN_EPOCH + 60
    assert await clock.advance(-30) == FROZEN_EPOCH + 30
    assert await clock.set(2_000_000_000) == 2_000_000_000
    frozen.tick(10)
    assert await clock.now() == 2_000_000_010


async def test_clocks_sharing_a_store_agree(frozen: FrozenDateTimeFactory) -> None:
    store = MemoryStore()
    one, two = Clock(store, adjustable=True), Clock(store, adjustable=True)
    await one.advance(3600)
    assert await two.now() == FROZEN_EPOCH + 3600


async def test_a_non_adjustable_clock_ignores_any_stored_offset(
    frozen: FrozenDateTimeFactory,
) -> None:
    store = MemoryStore()
    await store.set_clock_offset(3600)  # e.g. left in a shared store by a test run
    assert await Clock(store, adjustable=False).now() == FROZEN_EPOCH
