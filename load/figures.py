"""The figures of one run, from Locust's stats and our tally, and the thresholds that gate CI.

Storm factor = refresh calls ÷ expiry events, per client kind; 1.00 means one refresh per expired
token, however many requests failed with it. Silent-refresh latency runs from the first refused
request of an event to the first retried request that succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from locust.stats import RequestStats, StatsEntry

from load.scenario import RunState
from load.tally import Histogram, Tally
from load.verdicts import TOKEN_KINDS

__all__ = ["EXPIRING_KINDS", "Thresholds", "compute_figures", "violations"]

EXPIRING_KINDS = ("single-flight", "naive", "tabs")
PERCENTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))


@dataclass(frozen=True)
class Thresholds:
    """Limits a run must keep; a negative limit is switched off."""

    max_refresh_p95_ms: float = 2500.0
    max_failure_ratio: float = 0.01
    max_storm_factor: float = 1.0
    max_wrong_verdicts: int = 0
    max_false_logouts: int = 0

    def as_dict(self) -> dict[str, float]:
        return {
            "max_refresh_p95_ms": self.max_refresh_p95_ms,
            "max_failure_ratio": self.max_failure_ratio,
            "max_storm_factor": self.max_storm_factor,
            "max_wrong_verdicts": self.max_wrong_verdicts,
            "max_false_logouts": self.max_false_logouts,
        }


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _entry_percentiles(entry: StatsEntry | None) -> dict[str, float | None]:
    if entry is None or entry.num_requests == 0:
        return {name: None for name, _ in PERCENTILES}
    return {name: float(entry.get_response_time_percentile(p)) for name, p in PERCENTILES}


def _histogram_percentiles(hist: Histogram) -> dict[str, float | None]:
    return {name: _rounded(hist.percentile(p)) for name, p in PERCENTILES}


def _storm(refreshes: int, events: int) -> float | None:
    return round(refreshes / events, 2) if events else None


def _kind_figures(tally: Tally, kind: str, step: int | None = None) -> dict[str, Any]:
    events = tally.count("expiry_events", kind=kind, step=step)
    refreshes = tally.count("refresh_calls", kind=kind, step=step)
    return {
        "expiry_events": events,
        "refresh_calls": refreshes,
        "storm_factor": _storm(refreshes, events),
        "refresh_ms": _histogram_percentiles(tally.histogram("refresh_ms", kind=kind, step=step)),
        "silent_refresh_ms": _histogram_percentiles(
            tally.histogram("silent_refresh_ms", kind=kind, step=step)
        ),
        "logouts": tally.count("logouts", kind=kind, step=step),
        "false_logouts": tally.count("false_logouts", kind=kind, step=step),
        "relogins": tally.count("relogins", kind=kind, step=step),
        "failed_retries": tally.count("failed_retries", kind=kind, step=step),
        "refresh_errors": tally.count("refresh_errors", kind=kind, step=step),
    }


def compute_figures(
    stats: RequestStats, state: RunState, *, run: str, user_classes: list[str]
) -> dict[str, Any]:
    """Everything the summary shows for one run, as JSON-ready data."""
    target = state.require_target()
    tally = state.tally
    total = stats.total
    kinds = [kind for kind in EXPIRING_KINDS if kind in tally.kinds()]

    refresh_entries = [
        entry
        for (name, _), entry in stats.entries.items()
        if any(name == f"{target.refresh_path} [{kind}]" for kind in EXPIRING_KINDS)
    ]
    refresh_all = StatsEntry(stats, target.refresh_path, "POST")
    for entry in refresh_entries:
        refresh_all.extend(entry)
    by_kind: dict[str, Any] = {}
    for kind in kinds:
        figures = _kind_figures(tally, kind)
        own = stats.entries.get((f"{target.refresh_path} [{kind}]", "POST"))
        # Locust's own numbers for the refresh calls, so the summary matches its HTML and CSV.
        figures["refresh_ms"] = _entry_percentiles(own)
        by_kind[kind] = figures

    plan_steps = state.plan.steps
    steps = [
        {
            "step": step,
            "users": plan_steps[step - 1],
            "kinds": {kind: _kind_figures(tally, kind, step) for kind in kinds},
        }
        for step in tally.steps()
        if 0 < step <= len(plan_steps)
        and any(tally.count("expiry_events", kind=k, step=step) for k in kinds)
    ]
    verdict_kinds = {
        kind: {
            "checked": tally.count(f"verdicts:{kind}"),
            "wrong": tally.count(f"wrong_verdicts:{kind}"),
        }
        for kind in TOKEN_KINDS
    }
    last = total.last_request_timestamp
    duration = max(0.001, last - total.start_time) if last is not None else 0.0
    return {
        "run": run,
        "target": {"name": target.name, "base_url": target.base_url, "profile": target.source},
        "time_mode": target.time_mode,
        "user_classes": user_classes,
        "plan": {
            "steps": list(state.plan.steps),
            "settle_s": state.plan.settle,
            "round_timeout_s": state.plan.round_timeout,
            "jitter_s": state.plan.jitter,
            "concurrent_requests": state.plan.concurrent_requests,
            "tabs": state.plan.tabs,
            "mixed_users": state.mixed_users,
            "connections_per_user": state.plan.connections,
        },
        "duration_s": round(duration, 2),
        "requests": total.num_requests,
        "failures": total.num_failures,
        "requests_per_s": round(total.num_requests / duration, 1) if duration else 0.0,
        "failure_ratio": round(total.fail_ratio, 5),
        "refresh": {"calls": refresh_all.num_requests, **_entry_percentiles(refresh_all)},
        "kinds": by_kind,
        "steps": steps,
        "verdicts": {
            "checked": sum(v["checked"] for v in verdict_kinds.values()),
            "wrong": sum(v["wrong"] for v in verdict_kinds.values()),
            "inconclusive_batches": tally.count("inconclusive_batches"),
            "by_kind": verdict_kinds,
        },
        "rounds": [dict(vars(r)) for r in state.rounds],
        "notes": list(tally.notes),
    }


def violations(figures: dict[str, Any], limits: Thresholds) -> list[str]:
    """Each threshold the run broke, in words; empty if it kept them all."""
    found: list[str] = []
    p95 = figures["refresh"]["p95"]
    if limits.max_refresh_p95_ms >= 0 and p95 is not None and p95 > limits.max_refresh_p95_ms:
        found.append(f"refresh p95 {p95:.0f} ms > {limits.max_refresh_p95_ms:g} ms")
    ratio = figures["failure_ratio"]
    if limits.max_failure_ratio >= 0 and ratio > limits.max_failure_ratio:
        found.append(f"failure ratio {ratio:.4f} > {limits.max_failure_ratio:g}")
    single = figures["kinds"].get("single-flight")
    if limits.max_storm_factor >= 0 and single is not None:
        storm = single["storm_factor"]
        if storm is None:
            found.append("no expiry events: the single-flight clients never saw a token expire")
        elif storm > limits.max_storm_factor:
            found.append(f"storm factor {storm:.2f} > {limits.max_storm_factor:g}")
    wrong = figures["verdicts"]["wrong"]
    if limits.max_wrong_verdicts >= 0 and wrong > limits.max_wrong_verdicts:
        found.append(f"{wrong} wrong verdicts > {limits.max_wrong_verdicts}")
    if (
        limits.max_wrong_verdicts >= 0
        and "MixedTokenClient" in figures["user_classes"]
        and figures["verdicts"]["checked"] == 0
    ):
        found.append("no verdict was checked: the mixed-token clients never got a usable batch")
    false_logouts = sum(kind["false_logouts"] for kind in figures["kinds"].values())
    if limits.max_false_logouts >= 0 and false_logouts > limits.max_false_logouts:
        found.append(f"{false_logouts} false logouts > {limits.max_false_logouts}")
    failed = [r for r in figures["rounds"] if not r["ok"]]
    if failed:
        found.append(f"{len(failed)} expiry moments failed: {failed[0]['detail']}")
    return found
