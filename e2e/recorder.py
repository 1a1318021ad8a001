"""Every request the browser makes during one case, from Playwright's network events.

The bodies of the login and refresh endpoints' answers are kept (the tokens the app was given),
read as each answer arrives.
"""

from __future__ import annotations

import json
import time
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Error, Request, Response

from conformance.exchange import Exchange as ReportExchange

__all__ = ["Recorded", "Recorder"]


@dataclass
class Recorded:
    """One request of the browser and, once it came, its answer."""

    method: str
    url: str
    origin: str
    path: str
    headers: dict[str, str]
    body: str
    started: float
    status: int | None = None
    failed: str = ""
    finished: float | None = None
    #: The answer's body, for the login and refresh endpoints (None: not kept, or gone).
    answer_body: bytes | None = field(default=None, repr=False)

    @property
    def authorization(self) -> str:
        return self.headers.get("authorization", "")

    @property
    def settled(self) -> bool:
        return self.status is not None or bool(self.failed)

    def carries(self, secret: str) -> bool:
        """Whether *secret* appears anywhere in what this request sent."""
        return (
            secret in self.url
            or secret in self.body
            or any(secret in value for value in self.headers.values())
        )

    def to_report(self) -> ReportExchange:
        return ReportExchange(
            method=self.method,
            url=self.url,
            request_headers=sorted(self.headers.items()),
            request_body=self.body.encode(),
            status=self.status,
            elapsed_ms=((self.finished or self.started) - self.started) * 1000,
            error=self.failed,
        )


class Recorder:
    """The requests of one browser context (all its tabs), in the order they were sent.

    Events arrive while the case's thread is inside a Playwright call; read the log after a
    Playwright wait, never in a busy loop without one.
    """

    def __init__(self, context: BrowserContext, api_origin: str, keep_bodies_of: set[str]) -> None:
        self.api_origin = api_origin
        self.log: list[Recorded] = []
        self._by_request: dict[int, Recorded] = {}
        self._keep = keep_bodies_of
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("requestfailed", self._on_failed)

    def _on_request(self, request: Request) -> None:
        url = urlsplit(request.url)
        if url.scheme not in ("http", "https"):
            return
        recorded = Recorded(
            method=request.method,
            url=request.url,
            origin=f"{url.scheme}://{url.netloc}",
            path=url.path,
            headers=dict(request.headers),
            body=request.post_data or "",
            started=time.monotonic(),
        )
        self.log.append(recorded)
        self._by_request[id(request)] = recorded

    def _on_response(self, response: Response) -> None:
        recorded = self._by_request.get(id(response.request))
        if recorded is not None:
            recorded.status = response.status
            recorded.finished = time.monotonic()
            if recorded.origin == self.api_origin and recorded.path in self._keep:
                # Read now, not when a case asks: an app that loads its next page right after
                # the answer (a full page load after logging in) takes the body away with it.
                with suppress(Error):
                    recorded.answer_body = response.body()

    def _on_failed(self, request: Request) -> None:
        recorded = self._by_request.get(id(request))
        if recorded is not None:
            recorded.failed = request.failure or "failed"
            recorded.finished = time.monotonic()

    def mark(self) -> int:
        return len(self.log)

    def api_calls(self, path: str, *, since: int = 0, method: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.log[since:]
            if r.origin == self.api_origin
            and r.path == path
            and (method is None or r.method == method)
        ]

    def api_calls_to(self, paths: tuple[str, ...], *, since: int = 0) -> list[Recorded]:
        return [r for path in paths for r in self.api_calls(path, since=since)]

    @staticmethod
    def body_field(recorded: Recorded, field_name: str) -> str | None:
        """A string field of a kept response's JSON body (None: no such field, or no body)."""
        if recorded.answer_body is None or recorded.status != 200:
            return None
        try:
            body = json.loads(recorded.answer_body)
        except ValueError:
            return None
        value = body.get(field_name) if isinstance(body, dict) else None
        return value if isinstance(value, str) and value else None

    def issued_tokens(self, field_name: str) -> list[str]:
        """Values of *field_name* in the JSON bodies of kept responses (login, refresh)."""
        found = (self.body_field(recorded, field_name) for recorded in self.log)
        return [value for value in found if value is not None]

    def to_report(self) -> list[ReportExchange]:
        return [recorded.to_report() for recorded in self.log]
