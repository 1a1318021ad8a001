"""The report people read: summary.md and summary.json over all runs, next to Locust's own files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from load.runs import RunResult

__all__ = ["limiting_side", "run_record", "write_summary"]

PLOT_NAME = "steps.png"


def run_record(result: RunResult, out: Path) -> dict[str, Any]:
    """One run as JSON-ready data, with its files relative to the report folder."""
    spec = result.spec
    figures = result.figures or {}
    passed = bool(figures.get("passed")) and not result.problem
    return {
        "name": spec.name,
        "title": spec.title,
        "classes": list(spec.classes),
        "steps": list(spec.steps),
        "server": spec.server.describe() if spec.server else None,
        "gated": spec.gated,
        "side_by_side": bool(spec.group),
        "passed": passed,
        "exit_code": result.exit_code,
        "problem": result.problem,
        "folder": os.path.relpath(result.folder, out),
        "files": [os.path.relpath(result.folder / name, out) for name in result.files],
        "cpu": _cpu_record(result, figures),
        "figures": result.figures,
    }


def _cpu_record(result: RunResult, figures: dict[str, Any]) -> dict[str, Any]:
    cpu = result.cpu.as_dict()
    requests = figures.get("requests") or 0
    # CPU per request does not depend on what else the machine ran: the fairest comparison.
    cpu["locust_ms_per_request"] = (
        round(1000 * cpu["locust_cpu_s"] / requests, 3) if requests else None
    )
    server = cpu["server_cpu_s"]
    cpu["server_ms_per_request"] = (
        round(1000 * server / requests, 3) if requests and server is not None else None
    )
    cpu["limited_by"] = limiting_side(cpu)
    return cpu


def limiting_side(cpu: dict[str, Any]) -> str:
    """Which side ran out of CPU in the busiest half-second, in words."""
    cores = cpu.get("cores") or os.cpu_count() or 1
    locust_peak, processes = cpu["locust_peak_pct"], cpu["locust_processes"]
    server_peak = cpu["server_peak_pct"]
    server_processes = cpu["server_processes"] or 1
    # uvicorn's supervisor process idles; only its workers serve requests.
    server_capacity = 100.0 * max(1, server_processes - 1 if server_processes > 1 else 1)
    others = cpu.get("others_avg_pct", 0.0)
    if server_peak is not None and locust_peak + server_peak >= 90 * cores:
        return f"the machine: Locust and server together used all {cores} cores"
    if locust_peak >= 85 * processes:
        return "the load generator (Locust saturated its process(es))"
    if server_peak is not None and server_peak >= 0.85 * server_capacity:
        return "the server (its worker(s) saturated)"
    if others >= 50:
        return f"other processes on the machine (they used {others:.0f}% of a core on average)"
    return "neither side saturated a core"


def _ms_cpu(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _triple(data: dict[str, float | None]) -> str:
    return " / ".join(_ms(data.get(name)) for name in ("p50", "p95", "p99"))


def _storm(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _runs_table(runs: list[dict[str, Any]]) -> list[str]:
    rows = []
    for run in runs:
        f = run["figures"]
        if f is None:
            rows.append([f"`{run['name']}`", run["problem"]] + ["–"] * 9)
            continue
        storms = ", ".join(
            f"{kind} {_storm(data['storm_factor'])}" for kind, data in f["kinds"].items()
        )
        silent = ", ".join(
            f"{_ms(data['silent_refresh_ms']['p95'])}" for data in f["kinds"].values()
        )
        false_logouts = sum(data["false_logouts"] for data in f["kinds"].values())
        verdict = "pass" if run["passed"] else "**FAIL**"
        if not run["gated"]:
            verdict += " (contrast: only wrong verdicts gate)"
        rows.append(
            [
                f"`{run['name']}`",
                " → ".join(str(n) for n in run["steps"]),
                str(f["requests"]),
                f"{f['requests_per_s']:.0f}",
                f"{f['failure_ratio']:.4f}",
                _triple(f["refresh"]),
                storms or "–",
                silent or "–",
                str(false_logouts),
                f"{f['verdicts']['wrong']} / {f['verdicts']['checked']}",
                verdict,
            ]
        )
    header = [
        "run",
        "users per step",
        "requests",
        "req/s",
        "failure ratio",
        "/refresh p50 / p95 / p99 ms",
        "storm factor",
        "silent refresh p95 ms",
        "false logouts",
        "wrong verdicts / checked",
        "thresholds",
    ]
    return _table(header, rows)


def _steps_table(runs: list[dict[str, Any]]) -> list[str]:
    rows = []
    for run in runs:
        f = run["figures"]
        if not f or len(f["steps"]) < 1:
            continue
        seconds = {r["step"]: r for r in f["rounds"]}
        for step in f["steps"]:
            round_info = seconds.get(step["step"])
            took = "–"
            if round_info and round_info["seconds"] is not None:
                took = f"{round_info['seconds']:.2f}" + (
                    " (timed out)" if round_info["timed_out"] else ""
                )
            for kind, data in step["kinds"].items():
                rows.append(
                    [
                        f"`{run['name']}`",
                        f"{step['step']}: {step['users']}",
                        kind,
                        str(data["expiry_events"]),
                        str(data["refresh_calls"]),
                        _storm(data["storm_factor"]),
                        _triple(data["refresh_ms"]),
                        _ms(data["silent_refresh_ms"]["p95"]),
                        str(data["false_logouts"]),
                        took,
                    ]
                )
    header = [
        "run",
        "step: users",
        "client",
        "expiry events",
        "refresh calls",
        "storm factor",
        "/refresh p50 / p95 / p99 ms",
        "silent refresh p95 ms",
        "false logouts",
        "round s",
    ]
    return _table(header, rows) if rows else ["No per-step figures.", ""]


def _verdicts_table(runs: list[dict[str, Any]]) -> list[str]:
    totals: dict[str, list[int]] = {}
    for run in runs:
        for kind, data in ((run["figures"] or {}).get("verdicts", {}).get("by_kind", {})).items():
            checked, wrong = totals.setdefault(kind, [0, 0])
            totals[kind] = [checked + data["checked"], wrong + data["wrong"]]
    rows = [[kind, str(c), str(w)] for kind, (c, w) in totals.items()]
    return _table(["token", "verdicts checked", "wrong"], rows)


def _cpu_table(runs: list[dict[str, Any]]) -> list[str]:
    rows = []
    for run in runs:
        cpu = run["cpu"]
        server = (
            "–"
            if cpu["server_cpu_s"] is None
            else f"{cpu['server_cpu_s']:.1f} s ({cpu['server_avg_pct']:.0f}% avg, "
            f"{cpu['server_peak_pct']:.0f}% peak)"
        )
        others = cpu.get("others_avg_pct")
        per_request = (
            f"{_ms_cpu(cpu.get('locust_ms_per_request'))} / "
            f"{_ms_cpu(cpu.get('server_ms_per_request'))}"
        )
        rows.append(
            [
                f"`{run['name']}`",
                f"{cpu['wall_s']:.1f}",
                f"{cpu['locust_cpu_s']:.1f} s ({cpu['locust_avg_pct']:.0f}% avg, "
                f"{cpu['locust_peak_pct']:.0f}% peak) in {cpu['locust_processes']} process(es)",
                server,
                per_request,
                "–" if others is None else f"{others:.0f}% avg",
                cpu["limited_by"],
            ]
        )
    header = [
        "run",
        "wall s",
        "Locust CPU",
        "server CPU",
        "CPU ms per request, Locust / server",
        "other processes",
        "limited by",
    ]
    return _table(header, rows)


def write_summary(
    out: Path, runs: list[dict[str, Any]], meta: dict[str, Any]
) -> tuple[Path, Path, Path | None]:
    """Write summary.json, summary.md and the plot; return their paths."""
    from load.plot import plot_steps

    plot_path: Path | None = out / PLOT_NAME
    assert plot_path is not None
    if not plot_steps(runs, plot_path):
        plot_path = None
    passed = all(run["passed"] for run in runs)
    data = {**meta, "passed": passed, "plot": PLOT_NAME if plot_path else None, "runs": runs}
    json_path = out / "summary.json"
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    lines = [
        "# dualtoken load runs",
        "",
        f"- target: {meta['target']}",
        f"- time control: {meta['time_mode']}; K = {meta['concurrent_requests']} concurrent "
        f"requests per client at each expiry moment",
        f"- command: `{meta['command']}`",
        f"- generated: {meta['generated_at']} in {meta['duration_s']:.0f} s; load average at "
        f"start {meta['load_average_at_start']} on {os.cpu_count()} cores; Locust workers: "
        f"{meta['locust_workers'] or 'none (one process)'}",
        f"- result: **{'PASSED' if passed else 'FAILED'}**",
        "",
    ]
    for run in runs:
        broken = (run["figures"] or {}).get("violations", []) or (
            [run["problem"]] if run["problem"] else []
        )
        for reason in broken:
            lines.append(f"- `{run['name']}` broke a threshold: {reason}")
    lines += ["", "## Runs", ""]
    lines += [
        f"- `{run['name']}`: {run['title']}"
        + (f" — {run['server']}" if run["server"] else "")
        + (" (ran side by side with the other run of its group)" if run["side_by_side"] else "")
        for run in runs
    ]
    lines += ["", *_runs_table(runs)]
    lines += [
        "## Every token expires at once, step by step",
        "",
        "Each step starts its users, lets them log in, then expires every access token in one",
        "moment; every client then fires its K requests together. An expiry event is one refused",
        "access token; the storm factor is refresh calls ÷ expiry events (1.00 is ideal).",
        "",
    ]
    lines += _steps_table(runs)
    if plot_path:
        lines += [f"![/refresh latency and storm factor per step]({PLOT_NAME})", ""]
    lines += ["## Mixed tokens under load", "", *_verdicts_table(runs)]
    lines += [
        "## Load generator or server?",
        "",
        f"CPU on this {os.cpu_count()}-core machine, per run: average over the run and the",
        "busiest half-second (100% = one core). Locust runs one single-threaded process per",
        "worker. 'Other processes' is everything else the machine ran meanwhile. CPU per request",
        "does not depend on that (Locust's includes its start-up, which weighs on short runs):",
        "where Locust needs about as much as the server, a generator on the same machine takes",
        "about half of what the server could otherwise use.",
        "",
    ]
    lines += _cpu_table(runs)
    notes = sorted({note for run in runs for note in (run["figures"] or {}).get("notes", [])})
    if notes:
        lines += ["## Notes from the clients", ""] + [f"- {note}" for note in notes] + [""]
    lines += ["## Files", ""]
    for run in runs:
        links = ", ".join(f"[{Path(name).name}]({name})" for name in run["files"])
        lines.append(f"- `{run['name']}`: {links}")
    lines += [
        "",
        "Thresholds: `load/locust.conf`, or `python -m load --max-… N`; see load/README.md.",
        "",
    ]
    md_path = out / "summary.md"
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return md_path, json_path, plot_path
