"""One real, bounded `python -m load` run against embedded reference servers, checked end to end.

The run is a subprocess (Locust monkey-patches the process it runs in), loopback only, two small
steps per run. It proves what the load runs are for: one refresh per expired token with the fixed
client and many with the naive one, no wrong verdict on mixed tokens, a rotation race that logs
users out without a grace window and not with one, and every report file written.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT = 30.0

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], float]:
    out = tmp_path_factory.mktemp("load-report")
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "load",
            "--steps",
            "10,20",
            "--rotation-steps",
            "10",
            "--mixed-users",
            "2",
            "--out",
            str(out),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,  # a hang guard only; the run itself must stay within TIME_LIMIT
        check=False,
    )
    took = time.monotonic() - started
    assert done.returncode == 0, f"python -m load failed:\n{done.stdout}\n{done.stderr}"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return out, summary, took


def _runs(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {run["name"]: run for run in summary["runs"]}


def test_single_flight_clients_refresh_once_per_expired_token(report: Any) -> None:
    _, summary, _ = report
    figures = _runs(summary)["single-flight"]["figures"]
    clients = figures["kinds"]["single-flight"]
    # Every client of both steps saw its token expire exactly once, and refreshed once.
    assert clients["expiry_events"] == 10 + 20
    assert clients["refresh_calls"] == clients["expiry_events"]
    assert clients["storm_factor"] == 1.0
    assert [step["kinds"]["single-flight"]["storm_factor"] for step in figures["steps"]] == [
        1.0,
        1.0,
    ]
    assert clients["silent_refresh_ms"]["p95"] is not None
    assert figures["failure_ratio"] == 0.0
    assert clients["false_logouts"] == 0


def test_naive_clients_storm(report: Any) -> None:
    _, summary, _ = report
    naive = _runs(summary)["naive"]["figures"]["kinds"]["naive"]
    assert naive["expiry_events"] == 10 + 20
    assert naive["storm_factor"] > 1.0
    assert naive["refresh_calls"] > naive["expiry_events"]


def test_mixed_tokens_get_no_wrong_verdict(report: Any) -> None:
    _, summary, _ = report
    for run in summary["runs"]:
        verdicts = run["figures"]["verdicts"]
        assert verdicts["wrong"] == 0, (run["name"], run["figures"]["notes"])
        for kind, counts in verdicts["by_kind"].items():
            assert counts["checked"] > 0, (run["name"], kind)


def test_rotation_race_logs_users_out_only_without_grace(report: Any) -> None:
    _, summary, _ = report
    runs = _runs(summary)
    without = runs["rotation-grace-0"]["figures"]["kinds"]["tabs"]
    with_grace = runs["rotation-grace-5"]["figures"]["kinds"]["tabs"]
    assert without["false_logouts"] > 0
    assert with_grace["false_logouts"] == 0
    assert with_grace["expiry_events"] == 10


def test_report_files_are_written(report: Any) -> None:
    out, summary, _ = report
    for name in ("summary.md", "summary.json", "steps.png"):
        assert (out / name).stat().st_size > 0, name
    for run in summary["runs"]:
        for name in ("locust.html", "locust_stats.csv", "figures.json", "locust.log"):
            path = out / run["folder"] / name
            assert path.stat().st_size > 0, path
        assert run["passed"], run["name"]
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    assert "storm factor" in markdown and "steps.png" in markdown


def test_run_is_bounded(report: Any) -> None:
    _, _, took = report
    assert took <= TIME_LIMIT, f"the load run took {took:.1f}s"
