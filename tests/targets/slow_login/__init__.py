"""The reference server with a login that takes 0.5 s, like one that hashes passwords with a
slow KDF (Django's default PBKDF2 takes 0.3–0.7 s per login).

The delay is an `asyncio.sleep` in front of `POST /login` where a KDF would run: for a body
that carries a string username and password (a malformed one is refused before any hashing, as
Django and FastAPI apps do). Logins overlap as they would on a server with several workers, or,
with `workers=N`, at most N hash at once and the rest wait their turn, as on a server with N
workers that each hash on their CPU. The layer counts logins and the most in flight at once,
which is what shows whether a client logs in ahead and concurrently or one at a time.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.embedded import reference_app

__all__ = ["LOGIN_DELAY_S", "SlowLogin", "slow_login_app"]

LOGIN_DELAY_S = 0.5
LOGIN_PATH = "/login"


class SlowLogin:
    def __init__(
        self, app: ASGIApp, delay: float = LOGIN_DELAY_S, workers: int | None = None
    ) -> None:
        self.app = app
        self.delay = delay
        self.workers = workers
        self._hashing: asyncio.Semaphore | None = None
        self.logins = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != LOGIN_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        if not _hashes(body):
            await self.app(scope, replay, send)
            return
        self.logins += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self._hash()
            await self.app(scope, replay, send)
        finally:
            self.in_flight -= 1

    async def _hash(self) -> None:
        if self.workers is None:
            await asyncio.sleep(self.delay)
            return
        if self._hashing is None:
            self._hashing = asyncio.Semaphore(self.workers)
        async with self._hashing:
            await asyncio.sleep(self.delay)


def _hashes(body: bytes) -> bool:
    """Would a real login hash a password for this body? Only for string credentials."""
    try:
        fields = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(fields, dict) and all(
        isinstance(fields.get(name), str) for name in ("username", "password")
    )


def slow_login_app(
    *, delay: float = LOGIN_DELAY_S, workers: int | None = None, **options: Any
) -> SlowLogin:
    """The reference server (`options` as for reference_app) behind a slow login."""
    return SlowLogin(reference_app(**options), delay, workers)
