"""SQLite store (the default): a file, so revocations survive a restart and workers can share it.

Calls are synchronous on purpose: each is a single indexed statement on a local file, far cheaper
than a hop to a thread pool. Rotation runs inside BEGIN IMMEDIATE so that two workers cannot both
win the compare-and-swap.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from reference_server.store.base import (
    PURGE_INTERVAL,
    Link,
    Rotation,
    RotationVerdict,
    decide_rotation,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS revoked (key TEXT PRIMARY KEY, until REAL NOT NULL);
CREATE INDEX IF NOT EXISTS revoked_until ON revoked (until);
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY,
    jti TEXT NOT NULL, iat INTEGER NOT NULL, exp INTEGER NOT NULL,
    previous_jti TEXT, rotated_at REAL
);
CREATE INDEX IF NOT EXISTS sessions_exp ON sessions (exp);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value REAL NOT NULL);
"""


class SQLiteStore:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 5000")
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(_SCHEMA)
        self._last_purge = float("-inf")

    async def revoke(self, key: str, *, until: float, now: float) -> None:
        self._db.execute(
            "INSERT INTO revoked (key, until) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET until = max(until, excluded.until)",
            (key, until),
        )
        if now - self._last_purge >= PURGE_INTERVAL:
            await self.purge(now)

    async def any_revoked(self, keys: Sequence[str]) -> bool:
        marks = ",".join("?" * len(keys))
        row = self._db.execute(f"SELECT 1 FROM revoked WHERE key IN ({marks}) LIMIT 1", tuple(keys))
        return row.fetchone() is not None

    async def begin_session(self, sid: str, first: Link) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO sessions (sid, jti, iat, exp) VALUES (?, ?, ?, ?)",
            (sid, first.jti, first.iat, first.exp),
        )

    async def rotate(
        self, sid: str, presented_jti: str, successor: Link, *, now: float, grace: float
    ) -> RotationVerdict:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT jti, iat, exp, previous_jti, rotated_at FROM sessions WHERE sid = ?", (sid,)
            ).fetchone()
            current = Link(row[0], row[1], row[2]) if row else None
            outcome = decide_rotation(
                current=current,
                previous_jti=row[3] if row else None,
                rotated_at=row[4] if row else None,
                presented_jti=presented_jti,
                now=now,
                grace=grace,
            )
            if outcome is Rotation.ROTATED:
                db.execute(
                    "INSERT OR REPLACE INTO sessions (sid, jti, iat, exp, previous_jti, rotated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (sid, successor.jti, successor.iat, successor.exp, presented_jti, now),
                )
                current = successor
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return RotationVerdict(outcome, current)

    async def get_clock_offset(self) -> float:
        row = self._db.execute("SELECT value FROM settings WHERE name = 'clock_offset'").fetchone()
        return float(row[0]) if row else 0.0

    async def set_clock_offset(self, offset: float) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO settings (name, value) VALUES ('clock_offset', ?)", (offset,)
        )

    async def purge(self, now: float) -> int:
        self._last_purge = now
        gone = self._db.execute("DELETE FROM revoked WHERE until < ?", (now,)).rowcount
        gone += self._db.execute("DELETE FROM sessions WHERE exp < ?", (now,)).rowcount
        return int(gone)

    async def size(self) -> int:
        row = self._db.execute(
            "SELECT (SELECT count(*) FROM revoked) + (SELECT count(*) FROM sessions)"
        ).fetchone()
        return int(row[0])

    async def close(self) -> None:
        self._db.close()
