"""A reference server that a profile's `[restart] command` can restart on the same port.

    with restartable_server(env, state_file) as base_url: ...
    python -m tests.conformance.restartable STATE_FILE     # the restart command

The state file (JSON) holds the pid, port, workers and environment; restarting kills the
process group (SIGKILL, as in a crash), starts a new server on the same port and rewrites the pid.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

from tests.servers import LOOPBACK, free_port, server_env


def _start(state: dict[str, object], log: Path) -> int:
    argv = [
        sys.executable, "-m", "reference_server", "--host", LOOPBACK,
        "--port", str(state["port"]), "--workers", str(state["workers"]), "--log-level", "warning",
    ]  # fmt: skip
    env = dict(state["env"])  # type: ignore[call-overload]
    with log.open("ab") as out:
        popen = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return popen.pid


def _wait_healthy(port: int, pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(httpx.HTTPError):
            if httpx.get(f"http://{LOOPBACK}:{port}/healthz", timeout=1.0).status_code == 200:
                return
        with suppress(ChildProcessError):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                raise RuntimeError(f"reference server (pid {pid}) exited during start")
        time.sleep(0.05)
    raise RuntimeError(f"reference server on port {port} not healthy after {timeout:g} s")


def _gone(pid: int) -> bool:
    """True once the process has exited (a zombie whose parent is elsewhere counts as gone)."""
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _stop(pid: int, sig: signal.Signals = signal.SIGTERM) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, sig)
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    # Workers share the group: make sure none outlives its supervisor.
    with suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def restart(state_file: Path) -> None:
    state = json.loads(state_file.read_text())
    # SIGKILL: a crash, not a polite shutdown, is the harder test of durable revocations.
    _stop(int(state["pid"]), signal.SIGKILL)
    log = state_file.with_suffix(".log")
    for _ in range(50):
        pid = _start(state, log)
        try:
            _wait_healthy(int(state["port"]), pid)
        except RuntimeError:
            # The old socket may linger a moment; try again.
            _stop(pid)
            time.sleep(0.1)
            continue
        state["pid"] = pid
        state_file.write_text(json.dumps(state))
        return
    raise SystemExit(f"could not restart the reference server; see {log}")


@contextmanager
def restartable_server(
    env: Mapping[str, str], state_file: Path, *, workers: int = 1
) -> Iterator[str]:
    port = free_port()
    state: dict[str, object] = {"port": port, "workers": workers, "env": server_env(env), "pid": 0}
    pid = _start(state, state_file.with_suffix(".log"))
    state["pid"] = pid
    state_file.write_text(json.dumps(state))
    try:
        _wait_healthy(port, pid)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        _stop(int(json.loads(state_file.read_text())["pid"]))


if __name__ == "__main__":
    restart(Path(sys.argv[1]))
