"""Revocation stores: memory://, sqlite:///path (default) and redis://host:port/db."""

from __future__ import annotations

from reference_server.store.base import Link, Rotation, RotationVerdict, TokenStore
from reference_server.store.memory import MemoryStore
from reference_server.store.redis import RedisStore
from reference_server.store.sqlite import SQLiteStore

__all__ = [
    "Link",
    "MemoryStore",
    "RedisStore",
    "Rotation",
    "RotationVerdict",
    "SQLiteStore",
    "TokenStore",
    "open_store",
]


def open_store(url: str) -> TokenStore:
    """Open the store a DUALTOKEN_STORE URL names; raise ValueError for an unknown scheme."""
    if url in ("memory", "memory://"):
        return MemoryStore()
    if url.startswith("sqlite:///"):
        # sqlite:///relative.db and sqlite:////absolute/path.db, as SQLAlchemy spells them.
        return SQLiteStore(url.removeprefix("sqlite:///") or ":memory:")
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    raise ValueError(
        f"DUALTOKEN_STORE={url!r}: expected memory://, sqlite:///PATH or redis://HOST:PORT/DB"
    )
