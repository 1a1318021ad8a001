"""The embedded target: a real `python -m reference_server` (and redis-server) on 127.0.0.1.

Each process runs in its own session, so stopping it by its process-group id also stops
uvicorn's worker processes, and nothing else. Its output goes to a log file whose tail is shown
when it fails to start.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["EmbeddedServer", "ServerOptions", "StartError", "free_port"]

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 30.0


class StartError(RuntimeError):
    """A process did not come up; the message says why and shows its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class ServerOptions:
    """The reference server settings a load run varies."""

    rotation: bool = False
    rotation_grace: int = 0
    workers: int = 1
    store: str = "memory"  # memory, sqlite or redis
    access_ttl: int | None = None  # None: the server's default (900 s)

    def describe(self) -> str:
        rotation = f"rotation on, grace {self.rotation_grace}s" if self.rotation else "no rotation"
        ttl = f", access TTL {self.access_ttl}s" if self.access_ttl else ""
        return f"reference server ({rotation}, {self.workers} worker(s), {self.store} store{ttl})"


class _Child:
    """A child process in its own session, logging to a file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("wb")
        self.popen = subprocess.Popen(
            argv, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._log.close()


class EmbeddedServer:
    """One reference server for one load run; use as a context manager or start()/stop()."""

    def __init__(self, options: ServerOptions, workdir: Path) -> None:
        self.options = options
        self.workdir = workdir
        self.port = 0
        self._server: _Child | None = None
        self._redis: _Child | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not running")
        return self._server.pid

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        """Launch the processes; `wait_ready` then blocks until the server answers."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith("DUALTOKEN_")}
        env.update(
            {
                "DUALTOKEN_DEV": "1",
                "DUALTOKEN_TEST_CLOCK": "1",
                # Every simulated client comes from 127.0.0.1: a per-client limit would be global.
                "DUALTOKEN_REFRESH_RATE_LIMIT": "0",
                "DUALTOKEN_ROTATION": "1" if self.options.rotation else "0",
                "DUALTOKEN_ROTATION_GRACE": str(self.options.rotation_grace),
                "DUALTOKEN_STORE": self._store_url(),
                "PYTHONPATH": _with_repo_root(env.get("PYTHONPATH", "")),
            }
        )
        if self.options.access_ttl:
            env["DUALTOKEN_ACCESS_TTL"] = str(self.options.access_ttl)
        argv = [
            sys.executable,
            "-m",
            "reference_server",
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            "--workers",
            str(self.options.workers),
            "--log-level",
            "warning",
        ]
        self._server = _Child("reference server", argv, env, self.workdir / "server.log")

    def _store_url(self) -> str:
        store = self.options.store
        if store == "memory":
            return "memory://"
        if store == "sqlite":
            return f"sqlite:///{self.workdir / 'store.db'}"
        if store == "redis":
            binary = shutil.which("redis-server")
            if binary is None:
                raise StartError("--server-store redis needs redis-server (apt-get install it)")
            port = free_port()
            argv = [
                binary,
                "--bind",
                LOOPBACK,
                "--port",
                str(port),
                "--save",
                "",
                "--appendonly",
                "no",
            ]
            self._redis = _Child("redis-server", argv, dict(os.environ), self.workdir / "redis.log")
            _wait_for_port(self._redis, port)
            return f"redis://{LOOPBACK}:{port}/0"
        raise StartError(f"unknown store {store!r}: use memory, sqlite or redis")

    def wait_ready(self) -> None:
        server = self._server
        if server is None:
            raise StartError("the server was never started")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if server.popen.poll() is not None:
                raise StartError(
                    f"the reference server exited with status {server.popen.returncode}:\n"
                    f"{server.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise StartError(
            f"the reference server did not answer within {START_TIMEOUT:g}s:\n{server.log_tail()}"
        )

    def stop(self) -> None:
        for child in (self._server, self._redis):
            if child is not None:
                child.stop()
        self._server = self._redis = None


def _wait_for_port(child: _Child, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if child.popen.poll() is not None:
            raise StartError(f"{child.name} exited:\n{child.log_tail()}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise StartError(f"{child.name} did not listen within {START_TIMEOUT:g}s:\n{child.log_tail()}")


def _with_repo_root(pythonpath: str) -> str:
    root = str(Path(__file__).resolve().parent.parent)
    return os.pathsep.join(part for part in (root, pythonpath) if part)
