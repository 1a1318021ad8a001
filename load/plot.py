"""The stepped-run plot: /refresh latency percentiles and storm factor against user count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["plot_steps"]

STYLES = {"p50": ":", "p95": "-", "p99": "--"}


def _series(runs: list[dict[str, Any]]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(run name, client kind, steps) for every run/kind pair that has per-step figures."""
    found = []
    for run in runs:
        figures = run.get("figures") or {}
        for kind in figures.get("kinds", {}):
            steps = [
                {"users": step["users"], **step["kinds"][kind]}
                for step in figures.get("steps", [])
                if kind in step["kinds"]
            ]
            if len({step["users"] for step in steps}) >= 2:  # a stepped run, not repeated rounds
                found.append((run["name"], kind, steps))
    return found


def plot_steps(runs: list[dict[str, Any]], path: Path) -> bool:
    """Draw the plot into `path` (PNG); False if no run had two or more steps to draw."""
    series = _series(runs)
    if not series:
        return False
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, (latency, storm, silent) = plt.subplots(1, 3, figsize=(16, 4.8))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, (run, kind, steps) in enumerate(series):
        color = colors[index % len(colors)]
        users = [step["users"] for step in steps]
        label = run if run == kind else f"{run} ({kind})"
        for name, style in STYLES.items():
            values = [step["refresh_ms"][name] for step in steps]
            if any(value is not None for value in values):
                latency.plot(users, values, style, marker="o", color=color, label=f"{label} {name}")
        factors = [step["storm_factor"] for step in steps]
        storm.plot(users, factors, "-", marker="o", color=color, label=label)
        for name, style in (("p50", ":"), ("p95", "-")):
            values = [step["silent_refresh_ms"][name] for step in steps]
            silent.plot(users, values, style, marker="o", color=color, label=f"{label} {name}")
    latency.set_title("/refresh latency when every token expires at once")
    latency.set_xlabel("simulated users (all expiring together)")
    latency.set_ylabel("milliseconds")
    latency.grid(True, alpha=0.3)
    latency.legend(fontsize=7)
    storm.axhline(1.0, color="grey", linewidth=1, linestyle="--", label="ideal (1.00)")
    storm.set_title("storm factor = refresh calls ÷ expiry events")
    storm.set_xlabel("simulated users (all expiring together)")
    storm.set_ylabel("refresh calls per expired token")
    storm.set_ylim(bottom=0)
    storm.grid(True, alpha=0.3)
    storm.legend(fontsize=8)
    silent.set_title("silent refresh: first 401 → retried request answered")
    silent.set_xlabel("simulated users (all expiring together)")
    silent.set_ylabel("milliseconds the user waited")
    silent.grid(True, alpha=0.3)
    silent.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
