"""Real processes for tests and benchmarks: the reference server and redis-server on 127.0.0.1.

    with reference_server({"DUALTOKEN_STORE": f"sqlite:///{tmp_path}/t.db"}, workers=2) as server:
        httpx.get(f"{server.base_url}/healthz")

`reference_server()` runs `python -m reference_server --host 127.0.0.1 --port <free port>` as a
real child process (no shell in between) in its own process group, waits until `/healthz`
answers, and at exit stops the whole group (SIGTERM, then SIGKILL). Its stderr goes to a log
file; a server that fails to start raises `ServerStartError` carrying that log, and the log is
printed at exit so pytest shows it next to a failing test. `redis_server()` does the same for
`redis-server` (no persistence). The `start_*` functions are the same without the `with`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"

# Settings a test server gets unless the caller says otherwise: dev mode (fixed dev secret,
# demo user user1/password123) and a store that needs no file.
DEFAULT_SERVER_ENV: Mapping[str, str] = {"DUALTOKEN_DEV": "1", "DUALTOKEN_STORE": "memory://"}


class ServerStartError(RuntimeError):
    """A process did not come up; the message holds its exit status and log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Process:
    """A child process started in its own process group, with its output in a log file."""

    name: str
    port: int
    popen: subprocess.Popen[bytes]
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def descendants(self) -> list[int]:
        """PIDs of the processes this one started (e.g. uvicorn's workers), Linux only."""
        found: list[int] = []
        pending = [self.pid]
        while pending:
            pid = pending.pop()
            try:
                text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
            except OSError:
                continue
            children = [int(child) for child in text.split()]
            found.extend(children)
            pending.extend(children)
        return found

    def stop(self, timeout: float = 10.0) -> int:
        """Stop the process and everything it started; return its exit status."""
        if not self._stopped:
            self._stopped = True
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                self.popen.wait(timeout)
            # Workers left behind by a killed supervisor share its group: end them too.
            _signal_group(self.pid, signal.SIGKILL)
        return self.popen.returncode


@dataclass
class ServerProcess(Process):
    """A running `python -m reference_server`."""

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


@dataclass
class RedisProcess(Process):
    """A running `redis-server`, without persistence."""

    @property
    def url(self) -> str:
        """A DUALTOKEN_STORE value for database 0 of this server."""
        return f"redis://{LOOPBACK}:{self.port}/0"


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _spawn(
    name: str, argv: Sequence[str], env: Mapping[str, str], log_dir: Path | None
) -> tuple[subprocess.Popen[bytes], Path]:
    directory = Path(log_dir) if log_dir is not None else Path(tempfile.gettempdir())
    handle, log_name = tempfile.mkstemp(prefix=f"{name}-", suffix=".log", dir=directory)
    with os.fdopen(handle, "wb") as log:
        popen = subprocess.Popen(
            list(argv),
            cwd=REPO_ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches its workers
        )
    return popen, Path(log_name)


def server_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without DUALTOKEN_* variables, plus defaults and *overrides*."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DUALTOKEN_")}
    # The repo root first, so the server under test is this checkout's, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(DEFAULT_SERVER_ENV)
    env.update(overrides or {})
    return env


def start_reference_server(
    env: Mapping[str, str] | None = None,
    *,
    workers: int = 1,
    log_level: str = "warning",
    startup_timeout: float = 30.0,
    log_dir: Path | None = None,
    attempts: int = 3,
) -> ServerProcess:
    """Start the reference server with DEFAULT_SERVER_ENV updated by *env*; wait for /healthz.

    Another process may take the free port before the server binds it; then it tries again on
    another port, up to *attempts* times.
    """
    for attempt in range(attempts):
        port = free_port()
        argv = [sys.executable, "-m", "reference_server", "--host", LOOPBACK, "--port", str(port)]
        argv += ["--workers", str(workers), "--log-level", log_level]
        popen, log_path = _spawn("reference-server", argv, server_env(env), log_dir)
        server = ServerProcess("reference server", port, popen, log_path)
        try:
            _wait_for_health(server, startup_timeout)
        except ServerStartError:
            server.stop()
            if "address already in use" in server.log().lower() and attempt + 1 < attempts:
                continue
            raise
        return server
    raise AssertionError("unreachable")


def _wait_for_health(server: ServerProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.popen.poll() is not None:
                raise ServerStartError(
                    f"reference server exited with status {server.popen.returncode}:\n"
                    + server.log()
                )
            try:
                if client.get(f"{server.base_url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise ServerStartError(
        f"reference server gave no /healthz answer within {timeout} s:\n" + server.log()
    )


def redis_server_binary() -> str | None:
    """Path of redis-server, or None when it is not installed."""
    return shutil.which("redis-server")


def start_redis_server(
    *, startup_timeout: float = 10.0, log_dir: Path | None = None, attempts: int = 3
) -> RedisProcess:
    """Start a throwaway redis-server on a free loopback port; wait until it answers PING."""
    binary = redis_server_binary()
    if binary is None:
        raise ServerStartError("redis-server is not installed (apt-get install redis-server)")
    for attempt in range(attempts):
        port = free_port()
        argv = [binary, "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"]
        popen, log_path = _spawn("redis-server", argv, os.environ, log_dir)
        redis = RedisProcess("redis-server", port, popen, log_path)
        try:
            _wait_for_ping(redis, startup_timeout)
        except ServerStartError:
            redis.stop()
            if "address already in use" in redis.log().lower() and attempt + 1 < attempts:
                continue
            raise
        return redis
    raise AssertionError("unreachable")


def _wait_for_ping(redis: RedisProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if redis.popen.poll() is not None:
            raise ServerStartError(
                f"redis-server exited with status {redis.popen.returncode}:\n" + redis.log()
            )
        try:
            with socket.create_connection((LOOPBACK, redis.port), timeout=1.0) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise ServerStartError(f"redis-server did not answer PING within {timeout} s:\n" + redis.log())


@contextmanager
def reference_server(
    env: Mapping[str, str] | None = None,
    *,
    workers: int = 1,
    log_level: str = "warning",
    startup_timeout: float = 30.0,
) -> Iterator[ServerProcess]:
    """A running reference server for the `with` block; its log is printed when it stops."""
    server = start_reference_server(
        env, workers=workers, log_level=log_level, startup_timeout=startup_timeout
    )
    try:
        yield server
    finally:
        _stop_and_show(server)


@contextmanager
def redis_server(*, startup_timeout: float = 10.0) -> Iterator[RedisProcess]:
    """A running redis-server for the `with` block."""
    redis = start_redis_server(startup_timeout=startup_timeout)
    try:
        yield redis
    finally:
        _stop_and_show(redis)


def _stop_and_show(process: Process) -> None:
    status = process.stop()
    # pytest shows captured output only for failing tests, so this costs nothing when all pass.
    print(f"--- {process.name} on port {process.port} (exit status {status}) log:")
    print(process.log() or "(empty)")
    process.log_path.unlink(missing_ok=True)
