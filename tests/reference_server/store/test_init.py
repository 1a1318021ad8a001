"""open_store: which backend a DUALTOKEN_STORE URL names."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference_server.store import MemoryStore, RedisStore, SQLiteStore, open_store

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("url", ["memory://", "memory"])
async def test_memory_urls(url: str) -> None:
    assert isinstance(open_store(url), MemoryStore)


async def test_sqlite_urls_as_sqlalchemy_spells_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absolute = open_store(f"sqlite:///{tmp_path}/abs.db")  # sqlite:////tmp/... : absolute
    monkeypatch.chdir(tmp_path)
    relative = open_store("sqlite:///rel.db")
    in_memory = open_store("sqlite:///")
    try:
        assert isinstance(absolute, SQLiteStore)
        assert (tmp_path / "abs.db").exists()
        assert (tmp_path / "rel.db").exists()
        assert isinstance(in_memory, SQLiteStore)
        assert in_memory.path == ":memory:"
    finally:
        for store in (absolute, relative, in_memory):
            await store.close()


async def test_redis_urls_do_not_connect_until_used() -> None:
    store = open_store("redis://127.0.0.1:1/0")
    assert isinstance(store, RedisStore)
    await store.close()


@pytest.mark.parametrize("url", ["", "postgres://db/x", "sqlite://relative.db", "file:///x"])
def test_an_unknown_url_is_a_clear_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="DUALTOKEN_STORE"):
        open_store(url)
