"""One load run = one real Locust invocation (a master and N workers, or a single process).

The run writes Locust's HTML and CSV and our figures.json into its own folder; this module adds
how much CPU the load generator and the server used, to tell which of them limited the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil

from load.embedded import LOOPBACK, ServerOptions, free_port

__all__ = ["CpuUse", "RunResult", "RunSpec", "run_locust"]

LOAD_DIR = Path(__file__).resolve().parent
LOCUSTFILE = LOAD_DIR / "locustfile.py"
LOCUST_CONF = LOAD_DIR / "locust.conf"
REPO_ROOT = LOAD_DIR.parent
WORKERS_MAX_WAIT = 30
SAMPLE_EVERY = 0.5


@dataclass(frozen=True)
class RunSpec:
    """What one run shows and how: its clients, steps, server and whether thresholds gate it."""

    name: str
    title: str
    classes: tuple[str, ...]
    steps: tuple[int, ...]
    server: ServerOptions | None = None  # None: the target named by the profile / --host
    gated: bool = True  # a contrast run (naive clients, no grace window) gates wrong verdicts only
    # Runs sharing a non-empty group run side by side (small runs whose latency is not the point).
    group: str = ""


@dataclass
class CpuUse:
    """CPU seconds and busiest half-second of the load generator and of the server."""

    wall_s: float = 0.0
    locust_cpu_s: float = 0.0
    server_cpu_s: float | None = None
    locust_peak_pct: float = 0.0
    server_peak_pct: float | None = None
    locust_processes: int = 1
    server_processes: int | None = None
    machine_busy_s: float = 0.0  # every process on the machine, these included

    def as_dict(self) -> dict[str, Any]:
        wall = max(self.wall_s, 1e-9)
        others = max(0.0, self.machine_busy_s - self.locust_cpu_s - (self.server_cpu_s or 0.0))
        return {
            "wall_s": round(self.wall_s, 2),
            "locust_cpu_s": round(self.locust_cpu_s, 2),
            "locust_avg_pct": round(100 * self.locust_cpu_s / wall, 1),
            "locust_peak_pct": round(self.locust_peak_pct, 1),
            "locust_processes": self.locust_processes,
            "server_cpu_s": None if self.server_cpu_s is None else round(self.server_cpu_s, 2),
            "server_avg_pct": None
            if self.server_cpu_s is None
            else round(100 * self.server_cpu_s / wall, 1),
            "server_peak_pct": None
            if self.server_peak_pct is None
            else round(self.server_peak_pct, 1),
            "server_processes": self.server_processes,
            "cores": psutil.cpu_count() or 1,
            "machine_busy_pct": round(100 * self.machine_busy_s / wall, 1),
            "others_cpu_s": round(others, 2),
            "others_avg_pct": round(100 * others / wall, 1),
        }


@dataclass
class RunResult:
    spec: RunSpec
    folder: Path
    exit_code: int
    figures: dict[str, Any] | None
    cpu: CpuUse
    problem: str = ""
    files: list[str] = field(default_factory=list)


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _cpu_seconds(processes: Sequence[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass  # exited between listing and reading
    return total


def _machine_busy() -> float:
    """CPU seconds all cores have spent not idle since boot."""
    times = psutil.cpu_times()
    idle = float(times.idle) + float(getattr(times, "iowait", 0.0))
    return float(sum(times)) - idle


class _Sampler(threading.Thread):
    """Samples both sides' CPU every half second and keeps the busiest interval of each."""

    def __init__(self, locust_pids: Callable[[], list[int]], server_pid: int | None) -> None:
        super().__init__(daemon=True)
        self.locust_pids = locust_pids
        self.server_pid = server_pid
        self.locust_peak = 0.0
        self.server_peak = 0.0
        self.server_processes = 0
        self._halt = threading.Event()

    def _locust_tree(self) -> list[psutil.Process]:
        return [process for pid in self.locust_pids() for process in _tree(pid)]

    def run(self) -> None:
        last_at = time.monotonic()
        last_locust = {p.pid: _cpu_seconds([p]) for p in self._locust_tree()}
        last_server = _cpu_seconds(_tree(self.server_pid)) if self.server_pid else 0.0
        while not self._halt.wait(SAMPLE_EVERY):
            now = time.monotonic()
            interval = max(now - last_at, 1e-6)
            current = {p.pid: _cpu_seconds([p]) for p in self._locust_tree()}
            # Only processes seen twice count: a process that just exited takes its time along.
            used = sum(
                max(0.0, t - last_locust[pid]) for pid, t in current.items() if pid in last_locust
            )
            self.locust_peak = max(self.locust_peak, 100 * used / interval)
            last_locust = current
            if self.server_pid:
                server_tree = _tree(self.server_pid)
                self.server_processes = max(self.server_processes, len(server_tree))
                server_now = _cpu_seconds(server_tree)
                self.server_peak = max(
                    self.server_peak, 100 * (server_now - last_server) / interval
                )
                last_server = server_now
            last_at = now

    def halt(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def _locust_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if part
    )
    return env


class _LocustProcess:
    """One Locust process we started, in its own session; reaped with wait4 for its exact CPU."""

    def __init__(self, argv: list[str], log_path: Path) -> None:
        self._log: IO[bytes] = log_path.open("wb")
        self.popen = subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env=_locust_env(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self.popen.pid
        self.cpu_s = 0.0
        self.returncode: int | None = None

    def reap(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the exit; True once it is gone (exit code and CPU kept)."""
        deadline = time.monotonic() + timeout
        while self.returncode is None:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                self.popen.returncode = self.returncode  # so Popen never waits for it again
                self.cpu_s = usage.ru_utime + usage.ru_stime
                self._log.close()
            elif time.monotonic() >= deadline:
                return False
            else:
                time.sleep(0.05)
        return True

    def stop(self) -> None:
        """Politely first: SIGTERM to its process group, then SIGKILL."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.returncode is not None:
                return
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)
            self.reap(10)


def run_locust(
    spec: RunSpec,
    *,
    host: str,
    folder: Path,
    options: Sequence[str],
    workers: int,
    timeout: float,
    server_pid: int | None,
) -> RunResult:
    """Run Locust headless for `spec` and wait for it (at most `timeout` seconds)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "figures.json").unlink(missing_ok=True)  # never report a previous run's figures
    base = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    master = [
        *base,
        "--config",
        str(LOCUST_CONF),
        "--headless",
        "--host",
        host,
        "--html",
        str(folder / "locust.html"),
        "--csv",
        str(folder / "locust"),
        "--report-dir",
        str(folder),
        "--run-name",
        spec.name,
        "--steps",
        ",".join(str(n) for n in spec.steps),
        *options,
    ]
    worker_argv: list[str] = []
    if workers > 0:
        port = free_port()
        master += [
            "--master",
            "--master-bind-host",
            LOOPBACK,
            "--master-bind-port",
            str(port),
            "--expect-workers",
            str(workers),
            "--expect-workers-max-wait",
            str(WORKERS_MAX_WAIT),
        ]
        worker_argv = [*base, "--worker", "--master-host", LOOPBACK, "--master-port", str(port)]
    master += list(spec.classes)

    cpu = CpuUse(locust_processes=1 + workers)
    server_before = _cpu_seconds(_tree(server_pid)) if server_pid else None
    machine_before = _machine_busy()
    started = time.monotonic()
    log_name = "locust-master.log" if workers else "locust.log"
    processes = [_LocustProcess(master, folder / log_name)]
    for index in range(workers):
        log_path = folder / f"locust-worker-{index + 1}.log"
        processes.append(_LocustProcess([*worker_argv, *spec.classes], log_path))
    sampler = _Sampler(lambda: [p.pid for p in processes if p.returncode is None], server_pid)
    sampler.start()
    problem = ""
    try:
        if processes[0].reap(timeout):
            exit_code = processes[0].returncode or 0
        else:
            problem = f"Locust did not finish within {timeout:.0f}s and was stopped"
            exit_code = 124
        # Workers leave by themselves once the master quits; wait for that, then insist.
        deadline = time.monotonic() + 15
        for worker in processes[1:]:
            worker.reap(max(0.1, deadline - time.monotonic()))
    finally:
        for process in processes:
            process.stop()
        sampler.halt()
    cpu.wall_s = time.monotonic() - started
    cpu.machine_busy_s = _machine_busy() - machine_before
    cpu.locust_cpu_s = sum(process.cpu_s for process in processes)
    cpu.locust_peak_pct = sampler.locust_peak
    if server_pid and server_before is not None:
        cpu.server_cpu_s = _cpu_seconds(_tree(server_pid)) - server_before
        cpu.server_peak_pct = sampler.server_peak
        cpu.server_processes = sampler.server_processes or None
    figures = _read_figures(folder)
    if figures is None and not problem:
        problem = f"Locust exited with status {exit_code} and wrote no figures; see its log"
    files = sorted(path.name for path in folder.iterdir() if path.is_file())
    return RunResult(spec, folder, exit_code, figures, cpu, problem, files)


def _read_figures(folder: Path) -> dict[str, Any] | None:
    path = folder / "figures.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
