"""Faults the server has no switch for, injected with Playwright routes on a browser context."""

from __future__ import annotations

import json
import re

from playwright.sync_api import BrowserContext, Route

_INVALID_TOKEN = 'Bearer error="invalid_token", error_description="injected by the e2e suite"'


def _path_is(path: str) -> re.Pattern[str]:
    """Requests to *path* on any origin, as a pattern the browser matches itself (a Python
    function would make it stop every request to ask)."""
    return re.compile(rf"^[a-z]+://[^/?#]+{re.escape(path)}(?:[?#]|$)")


def fulfill_status(route: Route, status: int) -> None:
    headers = {"WWW-Authenticate": _INVALID_TOKEN} if status == 401 else {}
    route.fulfill(
        status=status,
        content_type="application/json",
        headers=headers,
        body=json.dumps({"detail": f"injected {status}"}),
    )


class Hold:
    """Park every request to *path* until `release()`: to make tabs' refresh attempts overlap,
    or to see the page while its request is on the wire."""

    def __init__(self, context: BrowserContext, path: str) -> None:
        self._context = context
        self.held: list[Route] = []
        self._matcher = _path_is(path)
        context.route(self._matcher, self._hold)

    def _hold(self, route: Route) -> None:
        self.held.append(route)

    def release(self) -> None:
        # Continue first: unrouting a handler settles the routes it still holds by itself.
        for route in self.held:
            route.continue_()
        self._context.unroute(self._matcher, self._hold)


class ProtectedAnswers:
    """Answer GET /protected with *status* (or abort it: a network error) when the request
    carries a token other than *spare_token* (None: every request), at most *times* times
    (None: always). With spare_token = the expired token, this hits the retries only."""

    def __init__(
        self,
        context: BrowserContext,
        status: int | None,
        *,
        spare_token: str | None = None,
        times: int | None = None,
    ) -> None:
        self.status = status
        self.spare_authorization = f"Bearer {spare_token}" if spare_token else None
        self.remaining = times
        self.hits = 0
        context.route(_path_is("/protected"), self._handle)

    def _handle(self, route: Route) -> None:
        spared = route.request.headers.get("authorization") == self.spare_authorization
        if spared or self.remaining == 0:
            route.continue_()
            return
        if self.remaining is not None:
            self.remaining -= 1
        self.hits += 1
        if self.status is None:
            route.abort("connectionrefused")
        else:
            fulfill_status(route, self.status)
