"""The reference server against the seed's backend as published, side by side, in one run.

    python -m tests.reference_server.bench [--seconds 2] [--rounds 3] [--connections 20]
    nox -s bench

Both servers are real processes started by the one launcher (`reference_server.launcher`):
the reference server (SQLite revocation store, dev user, every check on: signature, pinned
algorithm, required claims, times, token kind, revocation lookup of jti and session in SQLite,
user active, jti in every token, and the /refresh rate limit counting every request with a
limit too high to trip) and `tests/targets/seed` (the seed design's code, none of those
checks). Each runs one worker pinned to core 0 (`taskset -c 0`); the load generator is wrk
(Debian's `wrk`), one thread, pinned to core 1, with 20 keep-alive connections.

Every route that takes a token is measured twice: the same token on every request, and a new
token on every request, from a pre-minted pool much larger than the reference server's cache of
verified signatures, so that cache is not what wins. Rounds interleave: in each round every
(stack, route) cell runs the seed and the reference back to back, the order alternating, so a
busy neighbour slows both alike. Medians over rounds. The machine is shared: the ratios, both
measured in the same minute, are what count, not the absolute rates.

Servers, wrk and the paced generator run at nice -10, each in a session of its own whose
autogroup gets the same raise (see `raise_priority`): without it, on a shared machine, servers
sat 15-60 % busy waiting to be scheduled and every req/s ratio was squeezed towards 1.

For each cell it prints requests/s, the ratio reference/seed, the server's CPU time per request
(the scheduler's run time of all its threads, /proc/PID/task/TID/schedstat, divided by requests
served) and how busy the server was (CPU time / wall time). Then the goals, per-layer profiles
of where /refresh's and /protected's CPU goes, and CPU per /refresh with 1 worker, 2 workers on
one core and 2 workers on their own cores, sharing a Redis store, at the same offered load
(`paced_load.py`), with redis-server's CPU apart (--no-workers-check skips it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt

from reference_server.config import DEV_SECRET
from reference_server.launcher import (
    LaunchedServer,
    LaunchError,
    http_ready,
    launch,
    launch_redis,
    reference_argv,
    server_env,
)
from reference_server.tokens import new_id
from tests.reference_server.bench_layers import print_layers

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_SECRET = "your-secret-key"  # the seed's hard-coded key, as published
STACKS = {"h11+asyncio": ("h11", "asyncio"), "httptools+uvloop": ("httptools", "uvloop")}
SERVER_CORE, LOAD_CORE = "0", "1"
# Servers and load generators run at a raised priority, the seed and the reference alike: on a
# machine shared with others, servers and load generator that get a slice of their cores leave
# each request waiting to be scheduled (servers 15-60 % busy in noisy runs), which squeezes
# every req/s ratio towards 1. Without the right to raise it (not root), `nice` warns and runs
# as is. Each runs in a session of its own, whose autogroup gets the same raise.
PRIORITY = ["nice", "-n", "-10"]
PRIORITY_NICE = -10


def raise_priority(pid: int) -> None:
    """Give *pid*'s scheduling group the raised priority too.

    With autogroup scheduling (Linux's default on desktops and this machine) CPU time is shared
    fairly between sessions first, and a nice value only counts inside its own session: each
    launched server is a session of its own, and so is every neighbour's shell. Without root
    or autogroups there is nothing to raise, and the bench runs as is.
    """
    with suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(PRIORITY_NICE))


POOL = 60_000  # new-token pool: far more than the 4096 verified tokens the server remembers
REFRESH_CPU_GOAL_US = 250.0


@dataclass(frozen=True)
class Cell:
    """One measured route: its method and path, and whether the token is new every request."""

    method: str
    path: str
    tokens: str  # "none", "same" or "new"
    goal: float  # reference/seed ratio to reach

    @property
    def name(self) -> str:
        mode = {"none": "", "same": " (same token)", "new": " (new token each request)"}
        return f"{self.method} {self.path}{mode[self.tokens]}"


CELLS = (
    Cell("GET", "/public", "none", 1.0),
    Cell("GET", "/protected", "same", 1.3),
    Cell("GET", "/protected", "new", 1.3),
    Cell("POST", "/refresh", "same", 1.3),
    Cell("POST", "/refresh", "new", 1.3),
)

WRK_SCRIPT = r"""
local requests, index = {}, 0
function init(args)
  local tokens, offset, method, path = args[1], tonumber(args[2]), args[3], args[4]
  for token in io.lines(tokens) do
    if path == "/public" then
      requests[#requests + 1] = wrk.format("GET", path)
    elseif method == "GET" then
      requests[#requests + 1] = wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
    else
      local body = '{"refresh_token": "' .. token .. '"}'
      requests[#requests + 1] = wrk.format(
        "POST", path, {["Content-Type"] = "application/json"}, body)
    end
  end
  index = offset % #requests
end
function request()
  index = index + 1
  if index > #requests then index = 1 end
  return requests[index]
end
"""


@dataclass(frozen=True)
class Sample:
    rate: float  # requests/s
    cpu_us: float  # server CPU per request, microseconds
    busy: float  # server CPU time / wall time: below ~0.9 the server waited for requests


@dataclass
class Target:
    """A running server under test and its token files."""

    label: str
    server: LaunchedServer
    token_files: dict[tuple[str, str], Path]  # (kind, "same"/"new") -> file of tokens

    def pids(self) -> list[int]:
        return [self.server.pid, *self.server.descendants()]


def cpu_seconds(pids: Sequence[int]) -> float:
    """CPU time of *pids* and all their threads (Linux /proc), summed, in seconds.

    The scheduler's own run time in nanoseconds (/proc/PID/task/TID/schedstat) where the kernel
    keeps it; else utime + stime from /proc/PID/stat, in clock ticks (10 ms).
    """
    total = 0.0
    for pid in pids:
        try:
            threads = os.listdir(f"/proc/{pid}/task")
            total += sum(
                int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0]) / 1e9
                for tid in threads
            )
            continue
        except (OSError, ValueError, IndexError):
            pass
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def run_wrk(
    target: Target, cell: Cell, seconds: int, connections: int, offset: int, script: Path
) -> Sample:
    kind = "refresh" if cell.path == "/refresh" else "access"
    tokens = target.token_files[(kind, "same" if cell.tokens == "none" else cell.tokens)]
    argv = [*PRIORITY, "taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{connections}"]
    argv += [f"-d{seconds}s"]
    argv += ["-s", str(script), target.server.base_url + cell.path, "--"]
    argv += [str(tokens), str(offset), cell.method, cell.path]
    pids = target.pids()
    before = cpu_seconds(pids)
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, start_new_session=True) as wrk:
        raise_priority(wrk.pid)
        output = wrk.communicate(timeout=seconds + 60)[0]
    used = cpu_seconds(pids) - before
    served = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if served is None or rate is None:
        raise RuntimeError(f"wrk gave no figures for {cell.name} on {target.label}:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(
            f"{target.label} answered {errors.group(1)} non-2xx to {cell.name}; the bench "
            f"needs 200s\n{target.server.log_tail()}"
        )
    count = int(served.group(1))
    took = re.search(r"requests in ([\d.]+)(m?s)", output)
    wall = float(took.group(1)) / (1000 if took.group(2) == "ms" else 1) if took else seconds
    return Sample(float(rate.group(1)), 1e6 * used / count if count else float("nan"), used / wall)


def mint_reference(kind: str, count: int, ttl: int) -> list[str]:
    now = int(time.time())
    claims = {"sub": "user1", "type": kind, "iat": now, "exp": now + ttl}
    return [
        jwt.encode({**claims, "jti": new_id(), "sid": new_id()}, DEV_SECRET, algorithm="HS256")
        for _ in range(count)
    ]


def mint_seed(kind: str, count: int, ttl: int) -> list[str]:
    # The seed's own claims; `iat` steps back one second per token so that every one differs
    # (the seed puts no jti in its tokens).
    now = int(time.time())
    return [
        jwt.encode(
            {"sub": "user1", "exp": now + ttl, "iat": now - n, "type": kind},
            SEED_SECRET,
            algorithm="HS256",
        )
        for n in range(count)
    ]


def token_files(
    folder: Path, label: str, base_url: str, mint: Callable[[str, int, int], list[str]]
) -> dict[tuple[str, str], Path]:
    login = httpx.post(f"{base_url}/login", json={"username": "user1", "password": "password123"})
    login.raise_for_status()
    files: dict[tuple[str, str], Path] = {}
    for kind, ttl in (("access", 3600), ("refresh", 86_400)):
        same = folder / f"{label}-{kind}-same.txt"
        same.write_text(login.json()[f"{kind}_token"] + "\n")
        new = folder / f"{label}-{kind}-new.txt"
        new.write_text("\n".join(mint(kind, POOL, ttl)) + "\n")
        files[(kind, "same")], files[(kind, "new")] = same, new
    return files


def start_targets(folder: Path) -> dict[tuple[str, str], LaunchedServer]:
    """The seed and the reference server on each stack, every one pinned to SERVER_CORE."""
    pin = [*PRIORITY, "taskset", "-c", SERVER_CORE]
    started: dict[tuple[str, str], LaunchedServer] = {}
    try:
        for stack, (http, loop) in STACKS.items():
            settings = {
                "DUALTOKEN_DEV": "1",
                "DUALTOKEN_STORE": f"sqlite:///{folder / f'bench-{http}.db'}",
                # On and counting every request, but with a limit the bench cannot reach: the
                # limiter's cost is measured, its 429s are not.
                "DUALTOKEN_REFRESH_RATE_LIMIT": "1000000000",
            }
            started[("reference", stack)] = launch(
                f"reference {stack}",
                lambda port, h=http, lp=loop: [*pin, *reference_argv(port, http=h, loop=lp)],
                env=server_env(settings),
                log_dir=folder,
            )
            seed = [*pin, sys.executable, "-m", "tests.targets.seed", "--log-level", "warning"]
            seed += ["--http", http, "--loop", loop, "--port"]
            started[("seed", stack)] = launch(
                f"seed {stack}",
                lambda port, argv=seed: [*argv, str(port)],
                env=server_env(),
                cwd=REPO_ROOT,
                ready=http_ready("/public"),
                log_dir=folder,
            )
    except BaseException:
        for server in started.values():
            server.stop()
        raise
    for server in started.values():
        raise_priority(server.pid)
    return started


def measure(args: argparse.Namespace, folder: Path) -> dict[tuple[str, str, str], list[Sample]]:
    script = folder / "requests.lua"
    script.write_text(WRK_SCRIPT)
    servers = start_targets(folder)
    try:
        targets = {
            key: Target(
                f"{key[0]} {key[1]}",
                server,
                token_files(
                    folder,
                    f"{key[0]}-{key[1]}".replace("+", "-"),
                    server.base_url,
                    mint_reference if key[0] == "reference" else mint_seed,
                ),
            )
            for key, server in servers.items()
        }
        samples: dict[tuple[str, str, str], list[Sample]] = {}
        for number in range(args.rounds + 1):  # round 0 warms up and is not counted
            seconds = 1 if number == 0 else args.seconds
            for stack in STACKS:
                for cell in CELLS:
                    order = ("seed", "reference") if number % 2 else ("reference", "seed")
                    for which in order:
                        sample = run_wrk(
                            targets[(which, stack)],
                            cell,
                            seconds,
                            args.connections,
                            offset=number * 20_011,
                            script=script,
                        )
                        if number:
                            samples.setdefault((which, stack, cell.name), []).append(sample)
            print(f"  round {number}/{args.rounds} done", file=sys.stderr)
    finally:
        for server in servers.values():
            server.stop()
    return samples


def report(
    samples: dict[tuple[str, str, str], list[Sample]], args: argparse.Namespace
) -> tuple[bool, dict[str, dict[str, float]]]:
    """Print the table and the goals; return whether every goal was met, and the reference's
    CPU µs per request (new token each request) by route and stack."""
    print(
        f"one worker pinned to core {SERVER_CORE}; wrk -t1 -c{args.connections} pinned to core "
        f"{LOAD_CORE}; both at nice -10; {args.rounds} interleaved rounds x {args.seconds:g} s "
        "per cell; medians"
    )
    print(
        "ratio = reference req/s / seed req/s (same run); CPU = server CPU µs per request; "
        "CPU ratio = seed CPU / reference CPU (what the req/s ratio is on an idle machine); "
        "busy = server CPU time / wall time, seed/reference (below ~90 %: it waited for work)"
    )
    all_met = by_cpu_met = True
    per_route_cpu: dict[str, dict[str, float]] = {}
    for stack in STACKS:
        print(f"\n{stack}")
        print(
            f"  {'route':44} {'seed req/s':>10} {'ref req/s':>10} {'ratio':>6} {'goal':>6}"
            f" {'seed CPU':>9} {'ref CPU':>8} {'CPU ratio':>9} {'busy':>9}"
        )
        for cell in CELLS:
            seed = samples[("seed", stack, cell.name)]
            ref = samples[("reference", stack, cell.name)]
            seed_rate = statistics.median(s.rate for s in seed)
            ref_rate = statistics.median(s.rate for s in ref)
            seed_cpu = statistics.median(s.cpu_us for s in seed)
            ref_cpu = statistics.median(s.cpu_us for s in ref)
            ratio, cpu_ratio = ref_rate / seed_rate, seed_cpu / ref_cpu
            busy = (
                f"{statistics.median(s.busy for s in seed):4.0%}/"
                f"{statistics.median(s.busy for s in ref):.0%}"
            )
            met = ratio >= cell.goal
            all_met &= met
            by_cpu_met &= cpu_ratio >= cell.goal
            if cell.tokens == "new":
                per_route_cpu.setdefault(cell.path, {})[stack] = ref_cpu
            print(
                f"  {cell.name:44} {seed_rate:10.0f} {ref_rate:10.0f} {ratio:6.2f}"
                f" {'>=' + format(cell.goal, '.1f'):>6} {seed_cpu:9.0f} {ref_cpu:8.0f}"
                f" {cpu_ratio:9.2f} {busy:>9}  {'met' if met else 'MISSED'}"
                f"{'' if cpu_ratio >= cell.goal else ' (CPU ratio MISSED)'}"
            )
    fast = per_route_cpu["/refresh"]["httptools+uvloop"]
    cpu_met = fast <= REFRESH_CPU_GOAL_US
    all_met &= cpu_met
    print(
        f"\ngoal: POST /refresh (new token each request) <= {REFRESH_CPU_GOAL_US:.0f} µs server "
        f"CPU on httptools+uvloop: {'met' if cpu_met else 'MISSED'} ({fast:.0f} µs)"
    )
    print(
        f"every goal, judged on req/s ratios: {'met' if all_met else 'MISSED'}; "
        f"judged on server CPU per request: {'met' if by_cpu_met and cpu_met else 'MISSED'}"
    )
    return all_met, per_route_cpu


@dataclass(frozen=True)
class WorkersSample:
    rate: float  # requests/s served
    late: int  # requests sent more than 5 ms after they were due (the rate was not held)
    workers_us: float  # CPU µs per request of the server's processes (supervisor and workers)
    parent_us: float  # of which the first process's (with several workers: the supervisor's)
    redis_us: float  # CPU µs per request of redis-server
    syscalls: float  # read + write system calls of the server's processes, per request
    switches: float  # context switches of the server's processes, per request


def _proc_counters(pids: Sequence[int]) -> tuple[int, int]:
    """(read + write syscalls, voluntary + involuntary context switches) of *pids*, summed."""
    syscalls = switches = 0
    for pid in pids:
        try:
            io = Path(f"/proc/{pid}/io").read_text()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in io.splitlines():
            if line.startswith(("syscr:", "syscw:")):
                syscalls += int(line.split()[1])
        for line in status.splitlines():
            if "ctxt_switches:" in line:
                switches += int(line.split()[1])
    return syscalls, switches


def run_paced(
    target: Target, redis_pid: int, seconds: int, args: argparse.Namespace, offset: int
) -> WorkersSample:
    """POST /refresh, a new token each request, at --workers-rate (tests/reference_server/
    paced_load.py on the load core); the counters are read around the load alone."""
    argv = [*PRIORITY, "taskset", "-c", LOAD_CORE, sys.executable, "-m"]
    argv += ["tests.reference_server.paced_load"]
    argv += [target.server.base_url + "/refresh", str(target.token_files[("refresh", "new")])]
    argv += ["--rate", str(args.workers_rate), "--seconds", str(seconds)]
    argv += ["--connections", str(args.connections), "--offset", str(offset), "--wait-for-go"]
    pids = target.pids()
    with subprocess.Popen(
        argv,
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as load:
        assert load.stdin is not None and load.stdout is not None
        raise_priority(load.pid)
        if load.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the paced load generator did not start against {target.label}")
        parent = cpu_seconds(pids[:1])
        before = cpu_seconds(pids), cpu_seconds([redis_pid]), _proc_counters(pids)
        load.stdin.write("go\n")
        load.stdin.flush()
        result = load.stdout.readline()
        after = cpu_seconds(pids), cpu_seconds([redis_pid]), _proc_counters(pids)
        parent = cpu_seconds(pids[:1]) - parent
    figures = json.loads(result)
    if figures["non_200"]:
        raise RuntimeError(f"{target.label} answered {figures['non_200']} non-200s to /refresh")
    count = max(1, int(figures["answered"]))
    return WorkersSample(
        rate=count / figures["seconds"],
        late=int(figures["late"]),
        workers_us=1e6 * (after[0] - before[0]) / count,
        parent_us=1e6 * parent / count,
        redis_us=1e6 * (after[1] - before[1]) / count,
        syscalls=(after[2][0] - before[2][0]) / count,
        switches=(after[2][1] - before[2][1]) / count,
    )


# The set-ups of the 1-vs-2-workers check: (name, workers, move the second worker to the load
# core). "one core" gives both set-ups the same CPU, so every extra switch between the two
# workers shows; "own core" is how two workers are deployed, one per core (here the second
# core also runs redis-server and the load generator).
WORKER_SETUPS = (
    ("1 worker", 1, False),
    ("2 workers, one core", 2, False),
    ("2 workers, own cores", 2, True),
)


def _worker_pids(server: LaunchedServer) -> list[int]:
    """The uvicorn worker processes of *server* (not multiprocessing's helpers)."""
    found = []
    for pid in server.descendants():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in command:
            found.append(pid)
    return found


def workers_check(args: argparse.Namespace, folder: Path) -> bool:
    """CPU per /refresh request with 1 and 2 workers sharing one Redis store, at the same load.

    Returns whether the rise stayed within the goal (True when skipped)."""
    binary = shutil.which("redis-server")
    if binary is None:
        print("\n1 vs 2 workers: skipped, redis-server is not installed")
        return True
    samples: dict[str, list[WorkersSample]] = {name: [] for name, _, _ in WORKER_SETUPS}
    # Workers on the server core, redis-server with the load generator on the other: the
    # workers' figure is theirs alone.
    pin = [*PRIORITY, "taskset", "-c", SERVER_CORE]
    redis_pin = [*PRIORITY, "taskset", "-c", LOAD_CORE]
    with launch_redis(binary, log_dir=folder, prefix=redis_pin) as redis:
        raise_priority(redis.pid)
        settings = {
            "DUALTOKEN_DEV": "1",
            "DUALTOKEN_STORE": redis.url,
            "DUALTOKEN_REFRESH_RATE_LIMIT": "1000000000",
        }
        servers = {
            name: launch(
                f"reference {name}",
                lambda port, w=workers: [*pin, *reference_argv(port, workers=w)],
                env=server_env(settings),
                log_dir=folder,
            )
            for name, workers, _ in WORKER_SETUPS
        }
        try:
            for server in servers.values():
                raise_priority(server.pid)
            for name, _, own_cores in WORKER_SETUPS:
                if own_cores:
                    os.sched_setaffinity(_worker_pids(servers[name])[-1], {int(LOAD_CORE)})
            targets = {
                name: Target(
                    f"reference {name}",
                    server,
                    token_files(
                        folder,
                        name.replace(" ", "-").replace(",", ""),
                        server.base_url,
                        mint_reference,
                    ),
                )
                for name, server in servers.items()
            }
            # Small differences on a shared machine need more and longer rounds than the table.
            for number in range(max(args.rounds, 5) + 1):  # round 0 warms up
                order = [name for name, _, _ in WORKER_SETUPS]
                for name in order if number % 2 else reversed(order):
                    sample = run_paced(
                        targets[name],
                        redis.pid,
                        1 if number == 0 else max(args.seconds, 4),
                        args,
                        number * 20_011,
                    )
                    if number:
                        samples[name].append(sample)
        finally:
            for server in servers.values():
                server.stop()

    def median(name: str, figure: str) -> float:
        return statistics.median(getattr(sample, figure) for sample in samples[name])

    print(
        f"\n1 vs 2 workers, Redis store, POST /refresh (new token each request), the same "
        f"offered load ({args.workers_rate} req/s on {args.connections} connections, "
        f"tests/reference_server/paced_load.py); workers pinned to core {SERVER_CORE} (own "
        f"cores: the second worker on core {LOAD_CORE}), redis-server and the load on core "
        f"{LOAD_CORE}; {len(samples['1 worker'])} interleaved rounds, medians; CPU from the "
        "scheduler's run time of every thread"
    )
    print(
        f"  {'':22} {'req/s':>6} {'workers':>8} {'superv.':>8} {'redis':>6} {'both':>6}"
        f" {'syscalls':>9} {'switches':>9} {'late':>5}  (CPU µs and counts per request)"
    )
    for name, workers, _ in WORKER_SETUPS:
        both = median(name, "workers_us") + median(name, "redis_us")
        supervisor = median(name, "parent_us") if workers > 1 else float("nan")
        print(
            f"  {name:22} {median(name, 'rate'):6.0f} {median(name, 'workers_us'):8.0f}"
            f" {supervisor:8.1f} {median(name, 'redis_us'):6.0f} {both:6.0f}"
            f" {median(name, 'syscalls'):9.2f} {median(name, 'switches'):9.2f}"
            f" {max(sample.late for sample in samples[name]):5d}"
        )
    met = True
    one = median("1 worker", "workers_us")
    one_both = one + median("1 worker", "redis_us")
    for name, workers, own_cores in WORKER_SETUPS:
        if workers == 1:
            continue
        rise = (median(name, "workers_us") / one - 1) * 100
        both = median(name, "workers_us") + median(name, "redis_us")
        rise_both = (both / one_both - 1) * 100
        # The goal is judged where scaling out puts the second worker: on a core of its own.
        # Two workers squeezed onto one core measure the kernel taking turns between two
        # interpreters; that figure is shown, not graded.
        if own_cores:
            met &= rise <= 10
            verdict = f"goal <= +10 %: {'met' if rise <= 10 else 'MISSED'}"
        else:
            verdict = "shown, not graded: two interpreters taking turns on one core"
        print(
            f"  rise 1 -> {name}: server processes {rise:+.1f} % ({verdict}); "
            f"with redis-server's CPU too {rise_both:+.1f} %"
        )
    return met


def positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.reference_server.bench",
        description="The reference server against the seed's backend, side by side.",
    )
    parser.add_argument("--seconds", type=positive, default=2, help="per cell and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--connections", type=int, default=20, help="wrk connections")
    parser.add_argument("--no-workers-check", action="store_true", help="skip 1 vs 2 workers")
    parser.add_argument(
        "--workers-rate",
        type=positive,
        default=1000,
        help="offered /refresh load of the 1 vs 2 workers check, req/s (default 1000)",
    )
    parser.add_argument("--only-workers-check", action="store_true", help="only 1 vs 2 workers")
    parser.add_argument("--no-layers", action="store_true", help="skip the per-layer profile")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args(argv)
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            print(f"bench: {tool} is not installed (apt-get install -y {tool})", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="dualtoken-bench-") as name:
        folder = Path(name)
        try:
            met = True
            if not args.only_workers_check:
                samples = measure(args, folder)
                met, per_route_cpu = report(samples, args)
                if not args.no_layers:
                    print_layers(per_route_cpu["/refresh"], per_route_cpu["/protected"])
            else:
                (folder / "requests.lua").write_text(WRK_SCRIPT)
            if not args.no_workers_check:
                met &= workers_check(args, folder)
        except (LaunchError, RuntimeError, httpx.HTTPError) as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 1
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    raise SystemExit(main())
