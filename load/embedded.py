"""The embedded target: a real `python -m reference_server` (and redis-server) on 127.0.0.1.

Started through `reference_server.launcher`: each process in its own group (stopping it stops
uvicorn's workers and nothing else), output in a log file in the run's folder, whose tail is
shown when it fails to start.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from reference_server.launcher import (
    LOOPBACK,
    LaunchedServer,
    LaunchError,
    RedisServer,
    free_port,
    launch_redis,
    launch_reference,
)

__all__ = ["LOOPBACK", "EmbeddedServer", "ServerOptions", "StartError", "free_port"]

START_TIMEOUT = 30.0


StartError = LaunchError


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


class EmbeddedServer:
    """One reference server for one load run; use as a context manager or start()/stop()."""

    def __init__(self, options: ServerOptions, workdir: Path) -> None:
        self.options = options
        self.workdir = workdir
        self._server: LaunchedServer | None = None
        self._redis: RedisServer | None = None

    @property
    def port(self) -> int:
        return self._server.port if self._server is not None else 0

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
        self.wait_ready()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the processes through the one launcher; `wait_ready` then waits for the server
        (so a run's servers come up in parallel)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        settings = {
            "DUALTOKEN_DEV": "1",
            "DUALTOKEN_TEST_CLOCK": "1",
            # Every simulated client comes from 127.0.0.1: a per-client limit would be global.
            "DUALTOKEN_REFRESH_RATE_LIMIT": "0",
            "DUALTOKEN_ROTATION": "1" if self.options.rotation else "0",
            "DUALTOKEN_ROTATION_GRACE": str(self.options.rotation_grace),
            "DUALTOKEN_STORE": self._store_url(),
        }
        if self.options.access_ttl:
            settings["DUALTOKEN_ACCESS_TTL"] = str(self.options.access_ttl)
        self._server = launch_reference(
            settings,
            workers=self.options.workers,
            log_dir=self.workdir,
            ready_timeout=START_TIMEOUT,
        )

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
            self._redis = launch_redis(binary, log_dir=self.workdir)
            return self._redis.url
        raise StartError(f"unknown store {store!r}: use memory, sqlite or redis")

    def wait_ready(self) -> None:
        if self._server is None:
            raise StartError("the reference server was never started")
        self._server.wait_ready()

    def stop(self) -> None:
        for child in (self._server, self._redis):
            if child is not None:
                child.stop()
        self._server = self._redis = None
