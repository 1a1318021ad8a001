"""The reference server with a login that takes 0.5 s, like one that hashes passwords with a
slow KDF (Django's default PBKDF2 takes 0.3–0.7 s per login).

The delay is an `asyncio.sleep` in front of `POST /login`, so logins overlap as they would on a
server with several workers; the layer counts logins and the most in flight at once, which is
what shows whether a client logs in ahead and concurrently or one at a time.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.embedded import reference_app

__all__ = ["LOGIN_DELAY_S", "SlowLogin", "slow_login_app"]

LOGIN_DELAY_S = 0.5
LOGIN_PATH = "/login"


class SlowLogin:
    def __init__(self, app: ASGIApp, delay: float = LOGIN_DELAY_S) -> None:
        self.app = app
        self.delay = delay
        self.logins = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != LOGIN_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        self.logins += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


def slow_login_app(**options: Any) -> SlowLogin:
    return SlowLogin(reference_app(**options))
