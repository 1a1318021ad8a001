"""`python -m e2e`: a bad profile or an app that never answers is a clear verdict, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from e2e import cli
from tests.e2e.conftest import CLIENTS

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "e2e", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_dry_run_lists_the_cases_and_why_some_would_skip() -> None:
    done = run_cli("--dry-run")
    assert done.returncode == 0, done.stderr
    assert "CLIENT-REFRESH-ONCE-01" in done.stdout
    assert "CLIENT-COOKIE-01" in done.stdout and "would skip" in done.stdout
    assert "23 cases selected" in done.stdout


def test_a_bad_profile_names_the_key(tmp_path: Path) -> None:
    profile = tmp_path / "theirs.toml"
    text = (CLIENTS / "plainfetch" / "profile.toml").read_text()
    profile.write_text(text.replace('static = "."', f'static = "{CLIENTS / "plainfetch"}"')
                       .replace('submit_selector = "#login-submit"\n', ""))  # fmt: skip
    done = run_cli("--client-profile", str(profile))
    assert done.returncode == 2
    assert "profile error: [login] submit_selector: required" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_selection_or_expected_failure_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("--select", "NOPE")
    assert done.returncode == 2 and "no case ID starts with that" in done.stderr
    expected = tmp_path / "expected.txt"
    expected.write_text("CLIENT-NOPE-01  # gone\n")
    done = run_cli("--expected-failures", str(expected), "--dry-run")
    assert done.returncode == 2 and "no case 'CLIENT-NOPE-01'" in done.stderr


def test_an_app_that_never_answers_is_exit_2_not_a_traceback(tmp_path: Path) -> None:
    profile = tmp_path / "down.toml"
    text = (CLIENTS / "plainfetch" / "profile.toml").read_text()
    # Port 9 (discard) on loopback: nothing listens there.
    profile.write_text(
        text.replace('static = "."', 'url = "http://127.0.0.1:9"\nready_timeout = 2')
    )
    done = run_cli("--client-profile", str(profile), "--select", "CLIENT-RELOAD")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "did not answer within 2 s" in done.stderr
    assert "Traceback" not in done.stderr


def test_exit_codes_and_expected_failures(seed_client: Path, tmp_path: Path) -> None:
    """1 on a failure; 0 once it is listed as expected; 1 again when a listed case passes."""
    profile = str(seed_client / "profile.toml")
    selection = ["--select", "CLIENT-LOGOUT-01", "CLIENT-RELOAD-01"]
    done = run_cli("--client-profile", profile, *selection)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "× CLIENT-LOGOUT-01" in done.stdout and "✔ CLIENT-RELOAD-01" in done.stdout

    expected = tmp_path / "expected.txt"
    expected.write_text("CLIENT-LOGOUT-01  # the seed's logout never tells the server\n")
    done = run_cli("--client-profile", profile, *selection, "--expected-failures", str(expected))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 expected failures" in done.stdout

    expected.write_text("CLIENT-LOGOUT-01\nCLIENT-RELOAD-01\n")
    done = run_cli("--client-profile", profile, *selection, "--expected-failures", str(expected))
    assert done.returncode == 1
    assert "stale expected failure: CLIENT-RELOAD-01" in done.stdout


def test_without_a_profile_or_a_built_frontend_it_asks_for_a_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As from an installed wheel, which ships no frontend/dist: a clear message, exit 2."""
    default = tmp_path / "e2e" / "profiles" / "frontend-queue.toml"
    default.parent.mkdir(parents=True)
    default.write_text((ROOT / "e2e" / "profiles" / "frontend-queue.toml").read_text())
    monkeypatch.setattr(cli, "DEFAULT_PROFILE", default)
    assert cli.main(["--dry-run"], prog="dualtoken client") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no --client-profile given, and the default target")
    assert "[app] static: no index.html in" in err
    assert "dualtoken client --client-profile theirs.toml" in err
