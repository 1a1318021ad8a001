"""The pytest plugin: one item per case with --target-profile, inert without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.servers import REPO_ROOT

# Load the plugin by module whether or not the package's entry point is installed.
PLUGIN = ["-p", "no:dualtoken_conformance", "-p", "conformance.pytest_plugin"]


def pytest_run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", *PLUGIN, "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_one_item_per_case(tmp_path: Path) -> None:
    profile = REPO_ROOT / "conformance" / "profiles" / "reference.toml"
    done = pytest_run(
        "--target-profile", str(profile), "-k", "LOGIN-OK or COOKIE-ATTR-01", "-v", cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "conformance::LOGIN-OK-01 PASSED" in done.stdout
    assert "conformance::COOKIE-ATTR-01 SKIPPED" in done.stdout
    assert "3 passed, 1 skipped" in done.stdout


def test_a_failing_case_fails_its_item(tmp_path: Path) -> None:
    profile = tmp_path / "faulty.toml"
    reference = (REPO_ROOT / "conformance" / "profiles" / "reference.toml").read_text()
    profile.write_text(
        reference.replace(
            '"conformance.embedded:reference_app"',
            '"tests.conformance.faulty_apps:no_cache_control"',
        )
    )
    done = pytest_run("--target-profile", str(profile), "-k", "LOGIN-CACHE", cwd=tmp_path)
    assert done.returncode == 1
    assert "requirement: A response carrying tokens has Cache-Control: no-store." in done.stdout
    assert "1 failed, 1 passed" in done.stdout


def test_inert_without_the_option(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    done = pytest_run("-q", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout and "conformance" not in done.stdout
    helped = pytest_run("--help", cwd=tmp_path)
    assert "--target-profile=FILE" in helped.stdout
