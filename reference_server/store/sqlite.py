"""SQLite store (the default): a file, so revocations survive a restart and workers can share it.

Reads (the per-request revocation check, the clock offset) run on the event loop: each is one
indexed SELECT on a local file, far cheaper than a hop to a thread, and in WAL mode a reader
never waits for a writer. Writes run on a second connection in one background thread: under
contention from other workers a write waits for SQLite's lock (busy_timeout, up to 5 s), and
that wait must not stop the event loop from serving everyone else. Rotation runs inside
BEGIN IMMEDIATE so that two workers cannot both win the compare-and-swap.

An in-memory database (`sqlite:///` with no path) is private to one connection, so it keeps a
single connection and writes inline: nothing else can contend for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from reference_server.login_throttle import CLOCK_SKEW, IN_FLIGHT_TTL, Reservation
from reference_server.ratelimit import gcra
from reference_server.store.base import (
    PURGE_INTERVAL,
    Link,
    Rotation,
    RotationVerdict,
    decide_rotation,
)

T = TypeVar("T")

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
CREATE TABLE IF NOT EXISTS shared (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rate (client TEXT PRIMARY KEY, tat REAL NOT NULL, until REAL NOT NULL);
CREATE INDEX IF NOT EXISTS rate_until ON rate (until);
CREATE TABLE IF NOT EXISTS login_failures (
    username TEXT NOT NULL, at REAL NOT NULL, until REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_username ON login_failures (username, at);
CREATE INDEX IF NOT EXISTS login_failures_until ON login_failures (until);
-- Places held by logins whose password is being checked (login_throttle: reserved, then
-- turned into a failure or given back).
CREATE TABLE IF NOT EXISTS login_in_flight (username TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_in_flight_username ON login_in_flight (username, at);
"""


def _connect(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout = 5000")
    if path != ":memory:":
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


@contextlib.contextmanager
def _immediate(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction taken before its first read (BEGIN IMMEDIATE): what it reads no
    other worker changes before it writes. Rolled back if anything in it fails."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


class SQLiteStore:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._db = _connect(self.path)
        self._db.executescript(_SCHEMA)
        self._private = self.path == ":memory:"
        self._writer = self._db if self._private else _connect(self.path)
        self._thread = None if self._private else ThreadPoolExecutor(1, "sqlite-writer")
        self._last_purge = float("-inf")

    async def _write(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        if self._thread is None:
            return operation(self._writer)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, operation, self._writer)

    async def revoke(self, key: str, *, until: float, now: float) -> None:
        await self._write(
            lambda db: db.execute(
                "INSERT INTO revoked (key, until) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET until = max(until, excluded.until)",
                (key, until),
            )
        )
        await self._purge_now_and_then(now)

    async def any_revoked(self, keys: Sequence[str]) -> bool:
        marks = ",".join("?" * len(keys))
        row = self._db.execute(f"SELECT 1 FROM revoked WHERE key IN ({marks}) LIMIT 1", tuple(keys))
        return row.fetchone() is not None

    async def begin_session(self, sid: str, first: Link) -> None:
        await self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO sessions (sid, jti, iat, exp) VALUES (?, ?, ?, ?)",
                (sid, first.jti, first.iat, first.exp),
            )
        )

    async def rotate(
        self, sid: str, presented_jti: str, successor: Link, *, now: float, grace: float
    ) -> RotationVerdict:
        def swap(db: sqlite3.Connection) -> RotationVerdict:
            with _immediate(db):
                row = db.execute(
                    "SELECT jti, iat, exp, previous_jti, rotated_at FROM sessions WHERE sid = ?",
                    (sid,),
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
                        "INSERT OR REPLACE INTO sessions"
                        " (sid, jti, iat, exp, previous_jti, rotated_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (sid, successor.jti, successor.iat, successor.exp, presented_jti, now),
                    )
                    current = successor
            return RotationVerdict(outcome, current)

        return await self._write(swap)

    async def get_clock_offset(self) -> float:
        row = self._db.execute("SELECT value FROM settings WHERE name = 'clock_offset'").fetchone()
        return float(row[0]) if row else 0.0

    async def set_clock_offset(self, offset: float) -> None:
        await self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO settings (name, value) VALUES ('clock_offset', ?)",
                (offset,),
            )
        )

    async def get_shared(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM shared WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    async def set_shared(self, name: str, value: str) -> None:
        await self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO shared (name, value) VALUES (?, ?)", (name, value)
            )
        )

    async def rate_hit(self, client: str, now: float, *, interval: float, window: float) -> float:
        """Count one request of *client* for every worker on this file (ratelimit.gcra); 0 if
        allowed, else the seconds it came too early. A write: it runs in the writer thread."""

        def count(db: sqlite3.Connection) -> float:
            with _immediate(db):  # read and write as one: two workers, one budget
                row = db.execute("SELECT tat FROM rate WHERE client = ?", (client,)).fetchone()
                tat, late = gcra(row[0] if row else None, now, interval=interval, window=window)
                if not late:
                    db.execute(
                        "INSERT OR REPLACE INTO rate (client, tat, until) VALUES (?, ?, ?)",
                        (client, tat, now + window),
                    )
            return late

        late = await self._write(count)
        await self._purge_now_and_then(now)
        return late

    async def rate_hit_and_any_revoked(
        self, client: str, now: float, *, interval: float, window: float, keys: Sequence[str]
    ) -> tuple[float, bool]:
        # No round trip to save here: the count is a write (thread), the lookup a read (loop).
        late = await self.rate_hit(client, now, interval=interval, window=window)
        return (late, False) if late else (0.0, await self.any_revoked(keys))

    async def login_failures(
        self, username: str, now: float, *, window: float
    ) -> tuple[int, float]:
        row = self._db.execute(
            "SELECT count(*), min(at) FROM login_failures"
            " WHERE username = ? AND at > ? AND at <= ?",
            (username, now - window, now),
        ).fetchone()
        return int(row[0]), float(row[1] or 0.0)

    async def reserve_login_attempt(
        self, username: str, now: float, *, window: float, limit: int
    ) -> Reservation:
        """Reserve a place for one login of *username* for every worker on this file
        (login_throttle.FailureLog). A write: it runs in the writer thread."""

        def reserve(db: sqlite3.Connection) -> Reservation:
            with _immediate(db):  # read and write as one: two workers, one count
                db.execute(
                    "DELETE FROM login_in_flight WHERE username = ? AND at <= ?",
                    (username, now - IN_FLIGHT_TTL),
                )
                failed, oldest = db.execute(
                    "SELECT count(*), min(at) FROM login_failures"
                    " WHERE username = ? AND at > ? AND at <= ?",
                    (username, now - window, now + CLOCK_SKEW),
                ).fetchone()
                (in_flight,) = db.execute(
                    "SELECT count(*) FROM login_in_flight WHERE username = ?", (username,)
                ).fetchone()
                reservation: Reservation
                if failed >= limit:
                    reservation = ("refused", "", float(oldest))
                elif failed + in_flight >= limit:
                    reservation = ("busy", "", 0.0)
                else:
                    cursor = db.execute(
                        "INSERT INTO login_in_flight (username, at) VALUES (?, ?)", (username, now)
                    )
                    reservation = ("granted", str(cursor.lastrowid), 0.0)
            return reservation

        return await self._write(reserve)

    async def fail_login_attempt(
        self, username: str, handle: str, now: float, *, window: float
    ) -> None:
        def fail(db: sqlite3.Connection) -> None:
            with _immediate(db):
                db.execute(
                    "DELETE FROM login_in_flight WHERE rowid = ? AND username = ?",
                    (int(handle), username),
                )
                db.execute(
                    "INSERT INTO login_failures (username, at, until) VALUES (?, ?, ?)",
                    (username, now, now + window),
                )

        await self._write(fail)
        await self._purge_now_and_then(now)

    async def release_login_attempt(self, username: str, handle: str) -> None:
        await self._write(
            lambda db: db.execute(
                "DELETE FROM login_in_flight WHERE rowid = ? AND username = ?",
                (int(handle), username),
            )
        )

    async def _purge_now_and_then(self, now: float) -> None:
        if now - self._last_purge >= PURGE_INTERVAL:
            await self.purge(now)

    async def purge(self, now: float) -> int:
        self._last_purge = now

        def delete(db: sqlite3.Connection) -> int:
            gone = db.execute("DELETE FROM revoked WHERE until < ?", (now,)).rowcount
            gone += db.execute("DELETE FROM sessions WHERE exp < ?", (now,)).rowcount
            # Counters are not entries of the revocation list: swept, but not counted.
            db.execute("DELETE FROM rate WHERE until < ?", (now,))
            db.execute("DELETE FROM login_failures WHERE until < ?", (now,))
            db.execute("DELETE FROM login_in_flight WHERE at < ?", (now - IN_FLIGHT_TTL,))
            return int(gone)

        return await self._write(delete)

    async def size(self) -> int:
        row = self._db.execute(
            "SELECT (SELECT count(*) FROM revoked) + (SELECT count(*) FROM sessions)"
        ).fetchone()
        return int(row[0])

    async def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._writer.close()
        self._db.close()
