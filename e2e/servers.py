"""The reference server for the browser tests: the launcher's real process, plus test hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from reference_server.launcher import LaunchedServer, LaunchError, launch_reference

ACCESS_TTL = 60
REFRESH_TTL = 3600

# Dev mode (fixed dev secret, demo user user1/password123), a store that needs no file, the
# clock hooks the scenarios expire tokens with, no /refresh rate limit (bursts are the point),
# and short, known TTLs.
E2E_SERVER_ENV: dict[str, str] = {
    "DUALTOKEN_DEV": "1",
    "DUALTOKEN_STORE": "memory://",
    "DUALTOKEN_TEST_CLOCK": "1",
    "DUALTOKEN_REFRESH_RATE_LIMIT": "0",
    "DUALTOKEN_ACCESS_TTL": str(ACCESS_TTL),
    "DUALTOKEN_REFRESH_TTL": str(REFRESH_TTL),
}


@dataclass(frozen=True)
class ServerSpec:
    """One server configuration: a name for logs, the SPA build it serves, extra settings."""

    name: str
    dist: Path
    settings: dict[str, str] = field(default_factory=dict)


@dataclass
class RunningServer:
    """A started server: its base URL, process and log, and the test hooks it offers."""

    spec: ServerSpec
    process: LaunchedServer

    @property
    def url(self) -> str:
        return self.process.base_url

    def is_running(self) -> bool:
        return self.process.running()

    def api(self) -> httpx.Client:
        """A plain HTTP client for the API (outside the browser), e.g. to check old tokens."""
        return httpx.Client(base_url=self.url, timeout=10.0)

    def advance_clock(self, seconds: float) -> float:
        """Move the server's clock forward; every token check reads it."""
        with self.api() as client:
            response = client.post("/__test__/clock", json={"advance": seconds})
            response.raise_for_status()
            now: Any = response.json()["now"]
            return float(now)

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expired; refresh tokens stay valid."""
        self.advance_clock(ACCESS_TTL + 1)

    def expire_refresh_tokens(self) -> None:
        """Make every token issued so far expired, refresh tokens included."""
        self.advance_clock(REFRESH_TTL + 1)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.process.log().splitlines()[-lines:]) or "(no log)"

    def stop(self) -> None:
        self.process.stop()


def start_server(spec: ServerSpec, workdir: Path) -> RunningServer:
    """Start the server for *spec*, its log in *workdir*; "{workdir}" in a setting becomes it."""
    workdir.mkdir(parents=True, exist_ok=True)
    settings = {
        key: value.replace("{workdir}", str(workdir)) for key, value in spec.settings.items()
    }
    env = {**E2E_SERVER_ENV, "DUALTOKEN_FRONTEND_DIST": str(spec.dist), **settings}
    try:
        process = launch_reference(env, log_dir=workdir)
    except LaunchError as error:
        raise LaunchError(f"server {spec.name!r}: {error}") from error
    return RunningServer(spec=spec, process=process)
