"""The pytest plugin: one item per client case with --client-profile, inert without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import CLIENTS

ROOT = Path(__file__).resolve().parents[2]
# Load the plugin by module whether or not the package's entry point is installed.
PLUGIN = ["-p", "no:dualtoken_client", "-p", "e2e.pytest_plugin"]

pytestmark = pytest.mark.slow


def pytest_run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", *PLUGIN, "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_one_item_per_case_with_reports(tmp_path: Path) -> None:
    profile = CLIENTS / "plainfetch" / "profile.toml"
    done = pytest_run(
        "--client-profile",
        str(profile),
        "--client-report-dir",
        str(tmp_path / "reports"),
        "-k",
        "CLIENT-RELOAD or CLIENT-COOKIE",
        "-v",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "client::CLIENT-RELOAD-01 PASSED" in done.stdout
    assert "client::CLIENT-COOKIE-01 SKIPPED" in done.stdout
    assert (tmp_path / "reports" / "conformance.xml").is_file()


def test_a_bad_client_profile_is_a_usage_error(tmp_path: Path) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text('[app]\nurl = "ftp://nowhere"\n')
    done = pytest_run("--client-profile", str(profile), cwd=tmp_path)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "profile error: [app] url: expected an http(s):// URL" in done.stderr
