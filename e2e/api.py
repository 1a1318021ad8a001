"""The API behind the client under test: the reference server, embedded, with its test clock.

It runs as a real `python -m reference_server` on a free loopback port, in its own process
group (stopping the group stops it and nothing else). Tokens expire when the suite moves the
server's clock (`POST /__test__/clock`), never by waiting.

The reference server's one launcher (`reference_server/launcher.py`) is being written by
another engineer; until it is on main, this module starts the process itself, in the same way,
and nothing in e2e imports `tests/`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

__all__ = [
    "ACCESS_TTL",
    "REFRESH_TTL",
    "Api",
    "ApiServer",
    "ApiStartError",
    "ExternalApi",
    "start_api",
]

LOOPBACK = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parent.parent
ACCESS_TTL = 60
REFRESH_TTL = 3600
START_TIMEOUT = 30.0

# Dev mode (the demo user user1/password123), the clock hooks, no /refresh rate limit (bursts
# are the point of the suite), short known lifetimes, a store that needs no file.
BASE_SETTINGS: Mapping[str, str] = {
    "DUALTOKEN_DEV": "1",
    "DUALTOKEN_STORE": "memory://",
    "DUALTOKEN_TEST_CLOCK": "1",
    "DUALTOKEN_REFRESH_RATE_LIMIT": "0",
    "DUALTOKEN_ACCESS_TTL": str(ACCESS_TTL),
    "DUALTOKEN_REFRESH_TTL": str(REFRESH_TTL),
}


class ApiStartError(RuntimeError):
    """The reference server did not come up; the message carries its log."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ApiServer:
    """A running reference server: its URL, its clock, and its log."""

    port: int
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def is_running(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(no log)"

    def client(self) -> httpx.Client:
        """A plain HTTP client for the API, outside the browser (e.g. to try an old token)."""
        return httpx.Client(base_url=self.url, timeout=10.0)

    def advance_clock(self, seconds: float) -> None:
        with self.client() as api:
            answer = api.post("/__test__/clock", json={"advance": seconds})
            answer.raise_for_status()

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is expired; refresh tokens stay valid."""
        self.advance_clock(ACCESS_TTL + 1)

    def expire_refresh_tokens(self) -> None:
        self.advance_clock(REFRESH_TTL + 1)

    def stop(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(10)
                return
            except subprocess.TimeoutExpired:
                continue


class Api(Protocol):
    """What the client suite needs from the API behind the app: its URL and its clock."""

    @property
    def url(self) -> str: ...

    def is_running(self) -> bool: ...

    def log_tail(self, lines: int = 30) -> str: ...

    def client(self) -> httpx.Client: ...

    def expire_access_tokens(self) -> None: ...

    def expire_refresh_tokens(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class ExternalApi:
    """A team's own backend, described by its server profile: the suite neither starts nor stops
    it, and expires tokens through its clock endpoint (the reference server's protocol)."""

    base_url: str
    clock_path: str
    access_ttl: float
    refresh_ttl: float

    @property
    def url(self) -> str:
        return self.base_url

    def is_running(self) -> bool:
        return True

    def log_tail(self, lines: int = 30) -> str:
        return f"(the API at {self.base_url} is not the suite's: see its own log)"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10.0)

    def advance_clock(self, seconds: float) -> None:
        with self.client() as api:
            answer = api.post(self.clock_path, json={"advance": seconds})
        if answer.status_code != 200:
            raise ApiStartError(
                f"POST {self.base_url}{self.clock_path} answered {answer.status_code}: the "
                "server profile's [time] clock_path must move the server's clock"
            )

    def expire_access_tokens(self) -> None:
        self.advance_clock(self.access_ttl + 1)

    def expire_refresh_tokens(self) -> None:
        self.advance_clock(self.refresh_ttl + 1)

    def check(self) -> None:
        """Fail early, with a clear message, when the API or its clock does not answer."""
        try:
            with self.client() as api:
                answer = api.get(self.clock_path)
        except httpx.TransportError as exc:
            raise ApiStartError(f"the API at {self.base_url} did not answer: {exc}") from None
        if answer.status_code != 200:
            raise ApiStartError(
                f"GET {self.base_url}{self.clock_path} answered {answer.status_code}: the API "
                "needs a clock endpoint (server profile [time] mode = clock, clock_path)"
            )

    def stop(self) -> None:
        """Not ours to stop."""


def _environment(settings: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DUALTOKEN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(BASE_SETTINGS)
    env.update(settings)
    return env


def start_api(
    *,
    rotation: bool,
    cookie: bool,
    static: Path | None = None,
    cors_origin: str = "",
    log_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
) -> ApiServer:
    """Start the reference server; *static* is an app folder it serves at its own origin;
    *extra* are further DUALTOKEN_* settings (e.g. a SQLite store)."""
    settings: dict[str, Any] = {"DUALTOKEN_ROTATION": "1" if rotation else "0"}
    if cookie:
        # Plain http on loopback: a Secure cookie would never be stored.
        settings |= {"DUALTOKEN_REFRESH_COOKIE": "1", "DUALTOKEN_COOKIE_SECURE": "0"}
    if static is not None:
        settings["DUALTOKEN_FRONTEND_DIST"] = str(static)
    if cors_origin:
        settings["DUALTOKEN_CORS_ORIGINS"] = cors_origin
    settings |= extra or {}
    folder = log_dir or Path(tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):
        port = _free_port()
        handle, name = tempfile.mkstemp(prefix="e2e-api-", suffix=".log", dir=folder)
        argv = [sys.executable, "-m", "reference_server", "--host", LOOPBACK]
        argv += ["--port", str(port), "--log-level", "warning"]
        with os.fdopen(handle, "wb") as log:
            popen = subprocess.Popen(
                argv,
                cwd=REPO_ROOT,
                env=_environment(settings),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = ApiServer(port, popen, Path(name))
        try:
            _wait_ready(server)
        except ApiStartError:
            server.stop()
            if "address already in use" in server.log_tail().lower():
                continue  # another process took the port first: try another
            raise
        return server
    raise ApiStartError("the reference server found no free port in three attempts")


def _wait_ready(server: ApiServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if not server.is_running():
                raise ApiStartError(
                    f"the reference server exited ({server.popen.returncode}):\n"
                    + server.log_tail()
                )
            with suppress(httpx.TransportError):
                if client.get(f"{server.url}/healthz").status_code == 200:
                    return
            time.sleep(0.05)
    raise ApiStartError(f"no /healthz answer within {START_TIMEOUT:g} s:\n{server.log_tail()}")
