"""The test users directory, shared by every worker through the store.

The `/__test__/users` hooks change one worker's UserDirectory; with several workers, the next
request may reach another one. So a hook publishes the whole directory to the store after its
change, and every worker, before each request, adopts the published directory when it differs
from the one it last saw (one small store read, only while the test hooks are on).
Two hooks racing in two workers: the later write wins (a test drives hooks one at a time).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from reference_server.errors import STORE_ERRORS, store_unavailable_response
from reference_server.store import TokenStore
from reference_server.users import User, UserDirectory

DOCUMENT = "users"


class SharedUsers:
    def __init__(self, users: UserDirectory, store: TokenStore) -> None:
        self.users = users
        self.store = store
        self._seen: str | None = None

    async def pull(self) -> None:
        """Adopt the directory another worker published, if it changed."""
        published = await self.store.get_shared(DOCUMENT)
        if published is None or published == self._seen:
            return
        entries = json.loads(published)
        self.users.replace_all(
            [User(name, password_hash, disabled) for name, password_hash, disabled in entries]
        )
        self._seen = published

    async def publish(self) -> None:
        """Share this worker's directory (call after changing it)."""
        entries = [[u.username, u.password_hash, u.disabled] for u in self.users.all()]
        document = json.dumps(entries, separators=(",", ":"))
        await self.store.set_shared(DOCUMENT, document)
        self._seen = document


class PullSharedUsers:
    """ASGI middleware: every request sees the latest published users directory."""

    def __init__(self, app: ASGIApp, *, shared: SharedUsers) -> None:
        self.app = app
        self.shared = shared

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                await self.shared.pull()
            except STORE_ERRORS as exc:  # outside FastAPI's handlers: answer the 503 here
                await store_unavailable_response(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)
