"""Start servers as real child processes on 127.0.0.1, the one way tests, e2e, load, bench do it.

    with launch_reference({"DUALTOKEN_STORE": "memory://"}, workers=2) as server:
        httpx.get(f"{server.base_url}/healthz")
        server.restart()            # same port, new process (SIGKILL first: a crash)

`launch()` runs any command that takes its port as an argument (the seed target, redis-server);
`launch_reference()` runs `python -m reference_server`. Each child gets its own process group,
so `stop()` reaches uvicorn's workers and nothing else, and writes stdout+stderr to a log file.
A server is ready when its readiness probe answers *and* the socket listening on its port
belongs to one of its own processes: another program that happened to take the port first is
never mistaken for it. `save_state()`/`LaunchedServer.from_state()` let another process (a
profile's `[restart] command`) restart it on the same port.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "LOOPBACK",
    "LaunchError",
    "LaunchedServer",
    "RedisServer",
    "free_port",
    "http_ready",
    "launch",
    "launch_redis",
    "launch_reference",
    "port_is_free",
    "reference_argv",
    "server_env",
]

LOOPBACK = "127.0.0.1"
# The folder holding reference_server/, put first on the child's PYTHONPATH so the child runs
# the same code as its launcher, installed or from a checkout.
_CODE_ROOT = Path(__file__).resolve().parent.parent

ReadyProbe = Callable[[int], bool]


class LaunchError(RuntimeError):
    """A server did not come up (or its port was not ours); the message holds its log's tail."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """True when a socket can bind *port* on 127.0.0.1 now (SO_REUSEADDR, as uvicorn binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def server_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without DUALTOKEN_* variables, plus *overrides*.

    Settings a caller did not choose never leak in from the shell that runs the tests.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("DUALTOKEN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_CODE_ROOT), env.get("PYTHONPATH")]))
    env.update(overrides or {})
    return env


def http_ready(path: str = "/healthz") -> ReadyProbe:
    """A probe that is true once GET *path* answers 200."""

    def probe(port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://{LOOPBACK}:{port}{path}", timeout=2) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    return probe


def _redis_ready(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1.0) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class LaunchedServer:
    """A server process (and the processes it started) listening on 127.0.0.1:port."""

    name: str
    port: int
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    cwd: str | None = None
    ready_timeout: float = 30.0
    ready: ReadyProbe = field(default_factory=http_ready)
    pid: int = 0
    _popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def __enter__(self) -> LaunchedServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- logs ---------------------------------------------------------------------------------

    def log(self) -> str:
        """Everything the server wrote to stdout and stderr so far, restarts included."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    # -- processes ----------------------------------------------------------------------------

    def descendants(self) -> list[int]:
        """PIDs of the processes the server started (uvicorn's workers), Linux only."""
        found: list[int] = []
        pending = [self.pid]
        while pending:
            parent = pending.pop()
            try:
                text = Path(f"/proc/{parent}/task/{parent}/children").read_text()
            except OSError:
                continue
            children = [int(child) for child in text.split()]
            found.extend(children)
            pending.extend(children)
        return found

    def running(self) -> bool:
        return self.pid != 0 and not _gone(self.pid, self._popen)

    def start(self) -> None:
        """Start the process on self.port and wait until it is ready and the port is its own."""
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        """Start the process without waiting; `wait_ready()` then waits (start several at once)."""
        if not port_is_free(self.port):
            raise LaunchError(f"{self.name}: port {self.port} on {LOOPBACK} is already in use")
        with self.log_path.open("ab") as log:
            self._popen = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches its workers
            )
        self.pid = self._popen.pid

    def wait_ready(self) -> None:
        """Wait until the server is ready on a port it owns; on failure stop it, LaunchError."""
        try:
            self._wait_ready()
        except LaunchError:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if _gone(self.pid, self._popen):
                status = self._popen.returncode if self._popen is not None else "?"
                raise LaunchError(
                    f"{self.name} exited with status {status} during start:\n{self.log_tail()}"
                )
            if self.ready(self.port):
                if not self.owns_port():
                    raise LaunchError(
                        f"{self.name}: something else answers on port {self.port}, not the "
                        f"process we started (pid {self.pid})"
                    )
                return
            time.sleep(0.05)
        raise LaunchError(
            f"{self.name} was not ready within {self.ready_timeout:g} s on port {self.port}:\n"
            + self.log_tail()
        )

    def owns_port(self) -> bool:
        """True when the socket listening on self.port is held by this server's processes.

        Where /proc is missing (not Linux) this cannot be checked and is taken as true.
        """
        inodes = _listening_inodes(self.port)
        if inodes is None:
            return True
        for pid in [self.pid, *self.descendants()]:
            with suppress(OSError):
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    with suppress(OSError):
                        target = os.readlink(f"/proc/{pid}/fd/{fd}")
                        if target.startswith("socket:[") and target[8:-1] in inodes:
                            return True
        return False

    def stop(self, timeout: float = 10.0, *, sig: signal.Signals = signal.SIGTERM) -> int | None:
        """Stop the server and everything it started; return its exit status (None if unknown).

        Afterwards the port is free again (waited for, up to *timeout*).
        """
        if self.pid == 0:
            return None
        family = self.descendants()
        _signal_group(self.pid, sig)
        if not _wait_gone(self.pid, self._popen, timeout):
            _signal_group(self.pid, signal.SIGKILL)
            _wait_gone(self.pid, self._popen, timeout)
        # Workers left behind by a killed supervisor share its group: end them too, and wait
        # until they are really gone (not merely signalled).
        _signal_group(self.pid, signal.SIGKILL)
        for pid in family:
            _wait_gone(pid, None, timeout)
        deadline = time.monotonic() + timeout
        while not port_is_free(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)
        status = self._popen.returncode if self._popen is not None else None
        self.pid, self._popen = 0, None
        return status

    def restart(self, *, crash: bool = True, attempts: int = 50) -> None:
        """Stop the server (SIGKILL when *crash*, the harder test of durable state) and start
        it again on the same port, with the same command and settings."""
        self.stop(sig=signal.SIGKILL if crash else signal.SIGTERM)
        for attempt in range(attempts):
            try:
                self.start()
                return
            except LaunchError:
                # The old socket may linger a moment in the kernel; try again.
                if attempt + 1 == attempts:
                    raise
                time.sleep(0.1)

    # -- state for a restart from another process ---------------------------------------------

    def save_state(self, path: Path) -> None:
        """Write what `from_state` needs to restart this server from another process."""
        state = {
            "name": self.name,
            "port": self.port,
            "argv": self.argv,
            "env": self.env,
            "log_path": str(self.log_path),
            "cwd": self.cwd,
            "ready_timeout": self.ready_timeout,
            "pid": self.pid,
        }
        path.write_text(json.dumps(state))

    @classmethod
    def from_state(cls, path: Path) -> LaunchedServer:
        """A server saved by `save_state` (readiness probed on /healthz)."""
        state: dict[str, Any] = json.loads(path.read_text())
        return cls(
            name=state["name"],
            port=int(state["port"]),
            argv=list(state["argv"]),
            env=dict(state["env"]),
            log_path=Path(state["log_path"]),
            cwd=state["cwd"],
            ready_timeout=float(state["ready_timeout"]),
            pid=int(state["pid"]),
        )


class RedisServer(LaunchedServer):
    """A running redis-server, without persistence."""

    @property
    def url(self) -> str:
        """A DUALTOKEN_STORE value for database 0 of this server."""
        return f"redis://{LOOPBACK}:{self.port}/0"


def launch(
    name: str,
    argv_for_port: Callable[[int], Sequence[str]],
    *,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    ready: ReadyProbe | None = None,
    ready_timeout: float = 30.0,
    cwd: str | Path | None = None,
    log_dir: Path | None = None,
    attempts: int = 3,
    kind: type[LaunchedServer] = LaunchedServer,
    wait: bool = True,
) -> LaunchedServer:
    """Start `argv_for_port(port)` and wait until it is ready; stop it with `.stop()` or `with`.

    With *wait* False it returns once the process is started: call `.wait_ready()` later, e.g.
    after starting several servers, so they come up in parallel.

    Without *port*, a free one is picked, and if another process takes it before the server
    binds, another is tried (up to *attempts*). A given *port* must be free, or LaunchError.
    *env* is the child's whole environment (see `server_env`); default: `server_env()`.
    """
    directory = Path(log_dir) if log_dir is not None else Path(tempfile.gettempdir())
    directory.mkdir(parents=True, exist_ok=True)
    slug = name.replace(" ", "-")
    handle, log_name = tempfile.mkstemp(prefix=f"{slug}-", suffix=".log", dir=directory)
    os.close(handle)
    tries = 1 if port is not None else attempts
    for attempt in range(tries):
        chosen = port if port is not None else free_port()
        server = kind(
            name=name,
            port=chosen,
            argv=list(argv_for_port(chosen)),
            env=dict(env) if env is not None else server_env(),
            log_path=Path(log_name),
            cwd=str(cwd) if cwd is not None else None,
            ready_timeout=ready_timeout,
            ready=ready if ready is not None else http_ready(),
        )
        try:
            server.start() if wait else server.spawn()
        except LaunchError as exc:
            lost_race = "already in use" in str(exc) or "address already in use" in server.log()
            if lost_race and attempt + 1 < tries:
                continue
            raise
        return server
    raise AssertionError("unreachable")


def reference_argv(
    port: int,
    *,
    workers: int = 1,
    log_level: str = "warning",
    http: str | None = None,
    loop: str | None = None,
) -> list[str]:
    """The command line of `python -m reference_server` on 127.0.0.1:*port*."""
    argv = [sys.executable, "-m", "reference_server", "--host", LOOPBACK, "--port", str(port)]
    argv += ["--workers", str(workers), "--log-level", log_level]
    if http is not None:
        argv += ["--http", http]
    if loop is not None:
        argv += ["--loop", loop]
    return argv


def launch_reference(
    settings: Mapping[str, str] | None = None,
    *,
    port: int | None = None,
    workers: int = 1,
    log_level: str = "warning",
    http: str | None = None,
    loop: str | None = None,
    ready_timeout: float = 30.0,
    log_dir: Path | None = None,
    wait: bool = True,
) -> LaunchedServer:
    """The reference server with *settings* (DUALTOKEN_* variables) as its environment."""
    return launch(
        "reference server",
        lambda chosen: reference_argv(
            chosen, workers=workers, log_level=log_level, http=http, loop=loop
        ),
        env=server_env(settings),
        port=port,
        ready_timeout=ready_timeout,
        log_dir=log_dir,
        wait=wait,
    )


def launch_redis(
    binary: str,
    *,
    ready_timeout: float = 10.0,
    log_dir: Path | None = None,
    prefix: Sequence[str] = (),
) -> RedisServer:
    """A throwaway redis-server (no persistence); its `.url` reaches database 0.

    *prefix* goes before the command (e.g. `taskset -c 1`, exec'ing redis-server in place, so
    the launched PID stays the server's own)."""
    server = launch(
        "redis-server",
        lambda port: [
            *prefix,
            binary,
            "--port",
            str(port),
            "--bind",
            LOOPBACK,
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        env=dict(os.environ),
        ready=_redis_ready,
        ready_timeout=ready_timeout,
        log_dir=log_dir,
        kind=RedisServer,
    )
    assert isinstance(server, RedisServer)
    return server


def _listening_inodes(port: int) -> set[str] | None:
    """Socket inodes listening on *port* (IPv4 and IPv6), or None without /proc/net."""
    found: set[str] = set()
    seen_table = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        seen_table = True
        for row in rows:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                found.add(inode)
    return found if seen_table else None


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _gone(pid: int, popen: subprocess.Popen[bytes] | None) -> bool:
    """True once *pid* has exited (a zombie that is not our child counts as gone)."""
    if popen is not None:
        return popen.poll() is not None
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _wait_gone(pid: int, popen: subprocess.Popen[bytes] | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not _gone(pid, popen):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
