"""What the browser sent and got back, recorded from Playwright's network events."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import BrowserContext, Page, Request, Response


@dataclass
class Exchange:
    """One request and, once it came, its response status (None: none yet, or it failed)."""

    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None
    page: Page | None
    status: int | None = None
    failed: bool = False

    @property
    def call_tag(self) -> str | None:
        """The `call` query parameter the dashboard puts on each request of a burst."""
        values = self.query.get("call")
        return values[0] if values else None


class NetworkLog:
    """Every request of a browser context (all its tabs), in order.

    Events arrive while the test thread is inside a Playwright call, so read counts only after
    waiting on the page (an `expect`, or `wait_until` below).
    """

    def __init__(self, context: BrowserContext) -> None:
        self.exchanges: list[Exchange] = []
        self._by_request: dict[int, Exchange] = {}
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("requestfailed", self._on_failed)

    def _on_request(self, request: Request) -> None:
        url = urlsplit(request.url)
        exchange = Exchange(
            method=request.method,
            path=url.path,
            query=parse_qs(url.query),
            authorization=request.headers.get("authorization"),
            page=request.frame.page if request.frame else None,
        )
        self.exchanges.append(exchange)
        self._by_request[id(request)] = exchange

    def _on_response(self, response: Response) -> None:
        exchange = self._by_request.get(id(response.request))
        if exchange is not None:
            exchange.status = response.status

    def _on_failed(self, request: Request) -> None:
        exchange = self._by_request.get(id(request))
        if exchange is not None:
            exchange.failed = True

    def calls(self, path: str, method: str | None = None) -> list[Exchange]:
        return self.since(0, path, method)

    def refresh_calls(self) -> list[Exchange]:
        return self.calls("/refresh", "POST")

    def mark(self) -> int:
        """A position in the log; pass it to `since` to see only what came after."""
        return len(self.exchanges)

    def since(self, mark: int, path: str, method: str | None = None) -> list[Exchange]:
        return [
            exchange
            for exchange in self.exchanges[mark:]
            if exchange.path == path and (method is None or exchange.method == method)
        ]


def wait_until(
    page: Page, condition: Callable[[], bool], *, timeout_ms: float, message: str
) -> None:
    """Poll *condition*, letting Playwright deliver events in between; AssertionError on timeout."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        if condition():
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout_ms:.0f} ms: {message}")
        page.wait_for_timeout(20)
