"""Start and stop the reference server as a real process on a free loopback port."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
ACCESS_TTL = 60
REFRESH_TTL = 3600
STARTUP_TIMEOUT_S = 20.0
_LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@dataclass(frozen=True)
class ServerSpec:
    """One server configuration: a name for logs, the SPA build it serves, extra settings."""

    name: str
    dist: Path
    settings: dict[str, str] = field(default_factory=dict)


class ServerStartError(RuntimeError):
    """The server did not come up; the message carries the tail of its log."""


@dataclass
class RunningServer:
    """A started server: its base URL, process and log file, and the test hooks it offers."""

    spec: ServerSpec
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

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
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def server_environment(spec: ServerSpec, workdir: Path) -> dict[str, str]:
    """The process environment: ours without any DUALTOKEN_* from outside, plus the spec's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DUALTOKEN_")}
    env.update(
        {
            "DUALTOKEN_DEV": "1",
            "DUALTOKEN_TEST_CLOCK": "1",
            "DUALTOKEN_STORE": "memory://",
            "DUALTOKEN_REFRESH_RATE_LIMIT": "0",
            "DUALTOKEN_ACCESS_TTL": str(ACCESS_TTL),
            "DUALTOKEN_REFRESH_TTL": str(REFRESH_TTL),
            "DUALTOKEN_FRONTEND_DIST": str(spec.dist),
        }
    )
    env.update(
        {key: value.replace("{workdir}", str(workdir)) for key, value in spec.settings.items()}
    )
    return env


def start_server(spec: ServerSpec, workdir: Path) -> RunningServer:
    """Run `python -m reference_server --port 0` and wait until it answers /healthz.

    Port 0 lets the kernel pick a free port with no race; the port is read from uvicorn's
    start-up line. The process started is the server itself (one worker), so stopping it needs
    no process-group games.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"server-{spec.name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "reference_server", "--host", "127.0.0.1", "--port", "0"],
            cwd=REPO_ROOT,
            env=server_environment(spec, workdir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(spec=spec, url="", process=process, log_path=log_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(
                f"reference server {spec.name!r} exited with {process.returncode}:\n"
                + server.log_tail()
            )
        match = _LISTENING.search(log_path.read_text(errors="replace"))
        if match:
            server.url = match.group(1)
            if _healthy(server.url):
                return server
        time.sleep(0.05)
    server.stop()
    raise ServerStartError(
        f"reference server {spec.name!r} not ready in {STARTUP_TIMEOUT_S:.0f}s:\n"
        + server.log_tail()
    )


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False
