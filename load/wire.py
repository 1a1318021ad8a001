"""The one HTTP call the load clients make, over Locust's FastHttpSession, judged as it lands.

Each request says which statuses are a correct answer (`ok`); Locust records it as a success or a
failure on that basis, so an expected 401 (an expired token about to be refreshed silently, or a
forged token correctly refused) is not counted as a failure, and an unexpected 200 is.
"""

from __future__ import annotations

import json
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

from locust.contrib.fasthttp import FastHttpSession

__all__ = ["Http", "LocustHttp", "Reply"]


@dataclass(frozen=True)
class Reply:
    status: int  # 0 when no HTTP answer came (refused connection, timeout)
    body: Any  # the parsed JSON body, or None
    ms: float
    cookies: Mapping[str, str] = field(default_factory=dict)
    error: str = ""

    def text_field(self, name: str) -> str | None:
        """A non-empty string field of a JSON object body, else None."""
        if isinstance(self.body, dict):
            value = self.body.get(name)
            if isinstance(value, str) and value:
                return value
        return None


class Http(Protocol):
    def send(
        self,
        method: str,
        path: str,
        *,
        name: str,
        ok: Container[int],
        bearer: str | None = None,
        json_body: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
    ) -> Reply: ...


class LocustHttp:
    """`Http` over a FastHttpSession: every call lands in Locust's stats under `name`."""

    def __init__(self, session: FastHttpSession) -> None:
        self.session = session

    def send(
        self,
        method: str,
        path: str,
        *,
        name: str,
        ok: Container[int],
        bearer: str | None = None,
        json_body: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
    ) -> Reply:
        headers: dict[str, str] = {"Accept": "application/json"}
        data: str | None = None
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        if json_body is not None:
            data = json.dumps(dict(json_body))
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urlencode(dict(form))
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies:
            headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in cookies.items())
        with self.session.request(
            method, path, name=name, data=data, headers=headers, catch_response=True
        ) as response:
            status = int(response.status_code or 0)
            error = "" if status else str(getattr(response, "error", "") or "no answer")
            if status in ok:
                response.success()
            elif status:
                response.failure(f"HTTP {status} where {_expected(ok)} was expected")
            else:
                response.failure(error)
            return Reply(
                status=status,
                body=_json_or_none(response.content),
                ms=float(response.request_meta["response_time"]),
                cookies=_set_cookies(response.headers),
                error=error,
            )


def _expected(ok: Container[int]) -> str:
    if isinstance(ok, set | frozenset | tuple | list):
        return " or ".join(str(status) for status in sorted(ok))
    return "another status"


def _json_or_none(content: bytes | None) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def _set_cookies(headers: Any) -> dict[str, str]:
    if headers is None:
        return {}
    found: dict[str, str] = {}
    for line in headers.getlist("set-cookie"):
        pair = str(line).split(";", 1)[0]
        name, _, value = pair.partition("=")
        # An emptied cookie (logout) is a deletion, not a value.
        if name.strip() and value.strip().strip('"'):
            found[name.strip()] = value.strip().strip('"')
    return found
