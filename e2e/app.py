"""Where the app under test is, and starting it when its profile gives `[app] command`.

A `static` app is served by the embedded API at the API's own origin. A `url` app is already
running, or is started by `command` the way a team starts its dev server: the suite picks a free
loopback port for `{port}`, fills in `{api_url}` (the API the app must call; `{api_origin}` is
the same without its path, for a proxy) in the command and its `env`, runs it in its own process
group with conformance's target launcher (so a command that exits or stays silent is a clear
error showing its output), and stops the whole group at the end of the run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

import httpx

from conformance.launch import LaunchError, TargetProcess, free_port
from conformance.profile import TargetSpec
from e2e.profile import AppSpec

__all__ = ["AppLaunch", "LaunchError", "origin_of"]


def _fill(text: str, values: Mapping[str, str]) -> str:
    """Replace the placeholders the profile may use; other braces (shell, JSON) stay as they are.
    Not str.format: `${HOME}` or `{"a": 1}` in a command would break it."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


class AppLaunch:
    """The app's URL for this run (known before anything starts, so the API can allow its
    origin), and `running(api_url)`, which starts the app when the profile says how."""

    def __init__(self, app: AppSpec) -> None:
        self.app = app
        self.port = free_port() if app.command and _has_port(app.url) else _port_of(app.url)
        self.url = _fill(app.url, self._values(api_url=""))

    def _values(self, api_url: str) -> dict[str, str]:
        port = str(self.port) if self.port else ""
        api_origin = origin_of(api_url) if api_url else ""
        return {"api_url": api_url, "api_origin": api_origin, "port": port, "app_port": port}

    @property
    def origin(self) -> str:
        """The app's origin (scheme://host:port), for the API's CORS; empty for a static app."""
        if self.app.static is not None:
            return ""
        return origin_of(self.url)

    @contextmanager
    def running(self, api_url: str) -> Iterator[str]:
        """The app's base URL while it runs: the API's for a static app; else the profile's url,
        once it answers (its command started first, and stopped afterwards)."""
        if self.app.static is not None:
            yield api_url
            return
        if not self.app.command:
            _wait_until_answering(self.url, self.app.ready_timeout)
            yield self.url
            return
        values = self._values(api_url)
        spec = TargetSpec(
            name=self.app.name,
            base_url=self.url,
            command=_fill(self.app.command, values),
            cwd=str(self.app.cwd or ""),
            env={name: _fill(value, values) for name, value in self.app.env.items()},
            ready_timeout=self.app.ready_timeout,
        )
        process = TargetProcess(spec, ready_path="", port=self.port, section="app")
        try:
            asyncio.run(process.start())
            yield self.url
        finally:
            asyncio.run(process.stop())
            process.close()


def _has_port(url: str) -> bool:
    return "{port}" in url or "{app_port}" in url


def origin_of(url: str) -> str:
    """scheme://host:port of *url*, without its path: where the browser's calls are matched."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _port_of(url: str) -> int:
    if not url or _has_port(url):
        return 0
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def _wait_until_answering(url: str, timeout: float) -> None:
    """An app the suite does not start must already answer (any HTTP status but a 5xx)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while True:
            with suppress(httpx.TransportError):
                if client.get(url).status_code < 500:
                    return
            if time.monotonic() >= deadline:
                raise LaunchError(
                    f"[app] url: {url} did not answer within {timeout:g} s ([app] ready_timeout); "
                    "start the app first, or give [app] command"
                )
            time.sleep(0.2)
