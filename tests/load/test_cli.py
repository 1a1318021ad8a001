"""`python -m load` turns bad options and unusable targets into one clear line, exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from load.embedded import free_port
from load.summary import limiting_side

REPO_ROOT = Path(__file__).resolve().parents[2]


def _load(*args: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "load", "--out", str(out), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--steps", "10,lots"], "expected user counts"),
        (["--runs", "everything"], "expected some of single-flight, naive, rotation"),
        (["--host", "http://192.0.2.7:8000"], "is not on this machine"),
        (["--host", "http://127.0.0.1:{closed}"], "cannot reach http://127.0.0.1:"),
        (["--target-profile", "no/such/profile.toml"], "cannot read"),
        (["--time-mode", "wait"], "'wait' would wait 901s"),
        (["--settle", "-1"], "--settle and --jitter must be >= 0"),
    ],
)
def test_bad_input_is_one_clear_line(args: list[str], message: str, tmp_path: Path) -> None:
    filled = [arg.format(closed=free_port()) for arg in args]
    done = _load(*filled, out=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "summary.json").exists()


def test_the_limiting_side_is_named_from_cpu_peaks() -> None:
    base = {"locust_processes": 1, "server_processes": 1}
    assert "load generator" in limiting_side(
        {**base, "locust_peak_pct": 97.0, "server_peak_pct": 40.0}
    )
    assert "the server" in limiting_side({**base, "locust_peak_pct": 50.0, "server_peak_pct": 95.0})
    assert "neither" in limiting_side({**base, "locust_peak_pct": 30.0, "server_peak_pct": 30.0})
    assert "neither" in limiting_side(
        {**base, "locust_processes": 3, "locust_peak_pct": 150.0, "server_peak_pct": None}
    )
