"""The reference server for our frontend's own browser tests, started by e2e.api (the client
suite's embedded API), plus the test hooks those tests use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx

from e2e.api import ACCESS_TTL, REFRESH_TTL, ApiServer, ApiStartError, start_api

__all__ = ["ACCESS_TTL", "REFRESH_TTL", "RunningServer", "ServerSpec", "start_server"]


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
    process: ApiServer

    @property
    def url(self) -> str:
        return self.process.url

    def is_running(self) -> bool:
        return self.process.is_running()

    def api(self) -> httpx.Client:
        """A plain HTTP client for the API (outside the browser), e.g. to check old tokens."""
        return self.process.client()

    def advance_clock(self, seconds: float) -> None:
        """Move the server's clock forward; every token check reads it."""
        self.process.advance_clock(seconds)

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expired; refresh tokens stay valid."""
        self.process.expire_access_tokens()

    def expire_refresh_tokens(self) -> None:
        """Make every token issued so far expired, refresh tokens included."""
        self.process.expire_refresh_tokens()

    def log_tail(self, lines: int = 30) -> str:
        return self.process.log_tail(lines)

    def stop(self) -> None:
        self.process.stop()


def start_server(spec: ServerSpec, workdir: Path) -> RunningServer:
    """Start the server for *spec*, its log in *workdir*; "{workdir}" in a setting becomes it."""
    workdir.mkdir(parents=True, exist_ok=True)
    settings = {
        key: value.replace("{workdir}", str(workdir)) for key, value in spec.settings.items()
    }
    # Rotation and cookie mode come from the spec's settings, which override these defaults.
    try:
        process = start_api(
            rotation=False, cookie=False, static=spec.dist, log_dir=workdir, extra=settings
        )
    except ApiStartError as error:
        raise ApiStartError(f"server {spec.name!r}: {error}") from error
    return RunningServer(spec=spec, process=process)
