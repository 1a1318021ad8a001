"""`python -m load`: the standard load runs, on the embedded reference server or a profile's target.

Runs, each one real Locust invocation writing its own HTML/CSV into the report folder:

- single-flight: browser-like clients (one refresh per expiry) + mixed-token clients, stepped;
- naive: clients that refresh on every 401, the same steps, to show the storm next to the fix;
- rotation: tabbed browsers against a rotating server, without and with a grace window.

Then summary.md, summary.json and steps.png. Exit status: 0 all thresholds kept, 3 a threshold
broken, 1 a run failed, 2 bad options or an unreachable target.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from load.embedded import EmbeddedServer, ServerOptions, StartError
from load.runs import RunResult, RunSpec, run_locust
from load.summary import run_record, write_summary
from load.target import LoadTarget, ProfileError, load_target, read_profile_text

__all__ = ["main"]

RUN_NAMES = ("single-flight", "naive", "rotation")
THRESHOLD_FLAGS = (
    "max_refresh_p95_ms",
    "max_failure_ratio",
    "max_storm_factor",
    "max_wrong_verdicts",
    "max_false_logouts",
)
# What a contrast run (naive clients, rotation without grace) may not be held to: it is there to
# show the problem. Wrong verdicts still gate every run.
CONTRAST_OFF = ("max_refresh_p95_ms", "max_failure_ratio", "max_storm_factor", "max_false_logouts")


class UsageError(Exception):
    """Bad options or an unusable target; the message is for the command line."""


def _steps(text: str) -> tuple[int, ...]:
    try:
        steps = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected user counts like 10,50,100, got {text!r}"
        ) from None
    if not steps or any(n < 1 for n in steps) or any(n > 5000 for n in steps):
        raise argparse.ArgumentTypeError("user counts must lie between 1 and 5000")
    return steps


def _runs(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [name for name in names if name not in RUN_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"expected some of {', '.join(RUN_NAMES)}, got {text!r}")
    return names


def _count(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low}..{high}, got {value}")
        return value

    return parse


PROG = "python -m load"


def _parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Locust load runs for dual-token auth (see load/README.md).",
    )
    target = parser.add_argument_group("target")
    target.add_argument("--target-profile", help="conformance profile (TOML) of another target")
    target.add_argument("--host", help="the target's base URL (default: the profile's)")
    target.add_argument("--allow-remote", action="store_true", help="allow a non-loopback host")
    target.add_argument("--time-mode", choices=["clock", "forge", "wait"], help="how tokens expire")
    target.add_argument(
        "--access-ttl", type=_count(1, 29), help="short access lifetime (s), e.g. for wait mode"
    )
    shape = parser.add_argument_group("runs")
    shape.add_argument(
        "--runs", type=_runs, default=RUN_NAMES, help="comma-separated: " + ",".join(RUN_NAMES)
    )
    shape.add_argument(
        "--steps",
        type=_steps,
        default=(10, 50, 100, 200),
        help="users per step (default 10,50,100,200)",
    )
    shape.add_argument(
        "--rotation-steps",
        type=_steps,
        default=(20, 20),
        help="users per step of the rotation runs",
    )
    shape.add_argument(
        "--concurrent-requests", type=_count(1, 100), default=10, help="K (default 10)"
    )
    shape.add_argument(
        "--tabs", type=_count(1, 20), default=3, help="tabs per rotation-run user (default 3)"
    )
    shape.add_argument(
        "--grace",
        type=_count(1, 3600),
        default=5,
        help="grace window (s) of the second rotation run",
    )
    shape.add_argument(
        "--mixed-users", type=_count(0, 100), default=4, help="mixed-token clients per run"
    )
    shape.add_argument(
        "--settle",
        type=float,
        default=0.2,
        help="least seconds from a step's start to its expiry moment",
    )
    shape.add_argument("--round-timeout", type=float, default=15.0, help="longest round (s)")
    shape.add_argument(
        "--jitter", type=float, default=0.0, help="spread each round's first requests over N s"
    )
    scale = parser.add_argument_group("scale")
    scale.add_argument(
        "--workers", type=_count(0, 64), default=0, help="Locust workers (0: one process)"
    )
    scale.add_argument(
        "--server-workers", type=_count(1, 16), default=1, help="embedded server workers"
    )
    scale.add_argument(
        "--server-store", choices=["memory", "sqlite", "redis"], help="embedded server store"
    )
    report = parser.add_argument_group("report and thresholds (defaults: load/locust.conf)")
    report.add_argument("--out", type=Path, default=Path("reports/load"), help="report folder")
    report.add_argument("--max-refresh-p95-ms", type=float)
    report.add_argument("--max-failure-ratio", type=float)
    report.add_argument("--max-storm-factor", type=float)
    report.add_argument("--max-wrong-verdicts", type=int)
    report.add_argument("--max-false-logouts", type=int)
    return parser


def _resolve_target(args: argparse.Namespace) -> tuple[LoadTarget | None, str]:
    """The external target (None for the embedded server) and its description."""
    text, source = read_profile_text(args.target_profile)
    if not args.target_profile and not args.host:
        # Check the options against the reference profile now, not in every Locust process.
        load_target(
            text,
            source=source,
            base_url="http://127.0.0.1:1",
            time_mode=args.time_mode,
            access_lifetime=args.access_ttl,
        )
        return None, "embedded reference server (python -m reference_server on 127.0.0.1)"
    target = load_target(
        text,
        source=source,
        base_url=args.host,
        time_mode=args.time_mode,
        access_lifetime=args.access_ttl,
    )
    host = urllib.parse.urlsplit(target.base_url).hostname or ""
    if not args.allow_remote and not _loopback(host):
        raise UsageError(
            f"{target.base_url} is not on this machine; load runs go to loopback addresses "
            "unless you pass --allow-remote (and own the target)"
        )
    try:
        with urllib.request.urlopen(target.base_url + "/", timeout=5):
            pass
    except urllib.error.HTTPError:
        pass  # any HTTP answer means the target is there
    except (urllib.error.URLError, OSError) as exc:
        raise UsageError(f"cannot reach {target.base_url}: {exc}") from None
    if target.time_mode == "clock":
        _check_clock_hook(target)
    return target, f"{target.name} at {target.base_url} (profile {source})"


def _check_clock_hook(target: LoadTarget) -> None:
    url = target.base_url + target.clock_path
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        raise UsageError(
            f"clock mode, but GET {url} answered HTTP {exc.code}: the target has no test clock "
            "hook; use --time-mode forge (needs the signing key) or wait (short lifetimes)"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        raise UsageError(f"cannot read the target's clock at {url}: {exc}") from None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _specs(args: argparse.Namespace, target: LoadTarget | None) -> tuple[list[RunSpec], list[str]]:
    mixed = ("MixedTokenClient",) if args.mixed_users else ()
    store = args.server_store or ("memory" if args.server_workers == 1 else "sqlite")
    server = ServerOptions(workers=args.server_workers, store=store, access_ttl=args.access_ttl)
    embedded = target is None
    specs: list[RunSpec] = []
    notes: list[str] = []
    if "single-flight" in args.runs:
        specs.append(
            RunSpec(
                "single-flight",
                "browser-like clients: single-flight refresh on 401, each request retried once",
                ("SingleFlightClient", *mixed),
                args.steps,
                server if embedded else None,
            )
        )
    if "naive" in args.runs:
        specs.append(
            RunSpec(
                "naive",
                "naive clients: every refused request refreshes by itself (the storm)",
                ("NaiveClient", *mixed),
                args.steps,
                server if embedded else None,
                gated=False,
            )
        )
    if "rotation" in args.runs:
        tabs = ("MultiTabBrowser", *mixed)
        if embedded:
            for grace, gated in ((0, False), (args.grace, True)):
                rotating = ServerOptions(
                    rotation=True,
                    rotation_grace=grace,
                    workers=args.server_workers,
                    store=store,
                    access_ttl=args.access_ttl,
                )
                specs.append(
                    RunSpec(
                        f"rotation-grace-{grace}",
                        f"{args.tabs} tabs per user refresh at once; rotation with reuse "
                        f"detection, grace window {grace}s",
                        tabs,
                        args.rotation_steps,
                        rotating,
                        gated=gated,
                        group="rotation",
                    )
                )
        elif target is not None and target.rotation:
            specs.append(
                RunSpec(
                    "rotation",
                    f"{args.tabs} tabs per user refresh at once; the target rotates refresh "
                    f"tokens (profile grace {target.rotation_grace}s)",
                    tabs,
                    args.rotation_steps,
                )
            )
        else:
            notes.append("rotation run skipped: the profile says the target does not rotate")
    return specs, notes


def _locust_options(args: argparse.Namespace, spec: RunSpec) -> list[str]:
    options = [
        "--concurrent-requests",
        str(args.concurrent_requests),
        "--tabs",
        str(args.tabs),
        "--mixed-users",
        str(args.mixed_users),
        "--settle",
        str(args.settle),
        "--round-timeout",
        str(args.round_timeout),
        "--jitter",
        str(args.jitter),
    ]
    if args.target_profile:
        options += ["--target-profile", str(Path(args.target_profile).resolve())]
    if args.time_mode:
        options += ["--time-mode", args.time_mode]
    if args.access_ttl:
        options += ["--access-lifetime", str(args.access_ttl)]
    for name in THRESHOLD_FLAGS:
        flag = "--" + name.replace("_", "-")
        if not spec.gated and name in CONTRAST_OFF:
            options += [flag, "-1"]
        elif getattr(args, name) is not None:
            options += [flag, str(getattr(args, name))]
    return options


def _headline(result: RunResult) -> str:
    figures = result.figures
    if figures is None:
        return f"  {result.spec.name}: FAILED: {result.problem}"
    kinds = ", ".join(
        f"{kind} storm factor {data['storm_factor']}, {data['false_logouts']} false logouts"
        for kind, data in figures["kinds"].items()
    )
    refresh = figures["refresh"]
    verdict = "ok" if figures["passed"] else "THRESHOLD BROKEN: " + "; ".join(figures["violations"])
    return (
        f"  {result.spec.name}: {kinds}; /refresh p95 {refresh['p95']} ms; "
        f"{figures['verdicts']['wrong']} wrong verdicts of {figures['verdicts']['checked']}; "
        f"{result.cpu.wall_s:.1f}s — {verdict}"
    )


def _batches(specs: list[RunSpec]) -> list[list[RunSpec]]:
    """Consecutive runs of one group together, every other run alone."""
    batches: list[list[RunSpec]] = []
    for spec in specs:
        if spec.group and batches and batches[-1][0].group == spec.group:
            batches[-1].append(spec)
        else:
            batches.append([spec])
    return batches


def _one_run(
    args: argparse.Namespace,
    spec: RunSpec,
    server: EmbeddedServer | None,
    target: LoadTarget | None,
    out: Path,
) -> RunResult:
    host = server.base_url if server else (args.host or (target.base_url if target else ""))
    bound = len(spec.steps) * (args.settle + args.round_timeout + 35) + 60
    try:
        return run_locust(
            spec,
            host=host,
            folder=out / spec.name,
            options=_locust_options(args, spec),
            workers=args.workers,
            timeout=bound,
            server_pid=server.pid if server else None,
        )
    finally:
        if server is not None:
            server.stop()


def _run_all(args: argparse.Namespace) -> int:
    started = time.monotonic()
    load_average = os.getloadavg()[0]
    target, description = _resolve_target(args)
    specs, notes = _specs(args, target)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    servers: dict[str, EmbeddedServer] = {}
    results: list[RunResult] = []
    try:
        for spec in specs:
            if spec.server is not None:
                # All embedded servers start together; each run gets a fresh one.
                servers[spec.name] = EmbeddedServer(spec.server, out / spec.name / "server")
                servers[spec.name].start()
        for embedded in servers.values():
            embedded.wait_ready()
        for batch in _batches(specs):
            for spec in batch:
                print(f"load: {spec.name} — {spec.title}", flush=True)
            with ThreadPoolExecutor(max_workers=len(batch)) as pool:
                running = [
                    pool.submit(_one_run, args, spec, servers.get(spec.name), target, out)
                    for spec in batch
                ]
                for future in running:
                    results.append(future.result())
                    print(_headline(results[-1]), flush=True)
    finally:
        for embedded in servers.values():
            embedded.stop()
    first = results[0].figures if results and results[0].figures else {}
    meta = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started, 1),
        "command": shlex.join(["python", "-m", "load", *sys.argv[1:]]),
        "target": description,
        "time_mode": first.get("time_mode", args.time_mode or "clock"),
        "concurrent_requests": args.concurrent_requests,
        "locust_workers": args.workers,
        # Other work on the machine skews every latency figure; say how busy it was.
        "load_average_at_start": round(load_average, 2),
        "notes": notes,
    }
    records = [run_record(result, out) for result in results]
    md_path, _, _ = write_summary(out, records, meta)
    for note in notes:
        print(f"load: {note}")
    print(f"load: report in {md_path} ({meta['duration_s']:.0f}s)")
    if any(result.figures is None for result in results):
        return 1
    return 0 if all(record["passed"] for record in records) else 3


def main(argv: list[str] | None = None, *, prog: str = PROG) -> int:
    args = _parser(prog).parse_args(argv)
    if args.settle < 0 or args.round_timeout <= 0 or args.jitter < 0:
        print("load: --settle and --jitter must be >= 0, --round-timeout > 0", file=sys.stderr)
        return 2
    try:
        return _run_all(args)
    except (UsageError, ProfileError, StartError) as exc:
        print(f"load: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("load: interrupted", file=sys.stderr)
        return 130
