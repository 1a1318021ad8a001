"""Hostile targets get verdicts, not tracebacks: a server that hangs, stalls, resets, answers
HTML, broken or wrong JSON, or 500 for everything, and a port nobody listens on, each yields
FAIL/ERROR verdicts with details (or, when nothing answers at all, exit status 2) in bounded
time — through the Python API and through `python -m conformance`.

The hostile servers are raw asyncio TCP servers on loopback (tests/conformance/hostile.py);
the profile gives every request a short deadline (TIMEOUT) so that the runs stay short.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conformance.catalogue import CATALOGUE
from conformance.outcomes import Outcome
from conformance.profile import Profile, load_profile
from conformance.runner import SuiteResult, TargetUnreachable, run_suite
from tests.conformance.hostile import serve_hostile
from tests.servers import REPO_ROOT, free_port

TIMEOUT = 2.0

PROFILE = f"""
# A target the suite knows nothing reliable about: only where it is and how long to wait.
[target]
name = "hostile target"
base_url = "http://127.0.0.1:9"
health_path = "/healthz"
timeout = {TIMEOUT}

[credentials]
username = "user1"
password = "password123"

[paths]
protected = ["/protected"]
public = ["/public"]

[[logout]]
path = "/logout"
refresh = "json"

[signing]
algorithm = "HS256"
secret = "dualtoken-dev-secret/never-use-this-one-in-production"

[time]
mode = "forge"

[capabilities]
logout_revokes_access = true
"""

NO_ANSWER = (f"no answer within {TIMEOUT:g} s",)
# A reset shows as one of these, depending on how far the exchange got when it came.
CUT = ("ConnectError", "ReadError", "RemoteProtocolError", "WriteError")

# Kinds that answer the readiness probe, so the cases run: each kind, the verdict of
# LOGIN-OK-01 (the first case that needs a working login) and words its detail contains.
ANSWERING: dict[str, tuple[str, tuple[str, ...]]] = {
    "html": ("FAIL", ("a JSON object",)),
    "garbage-json": ("FAIL", ("a JSON object",)),
    "wrong-json": ("FAIL", ("a string field 'access_token'",)),
    "always-500": ("FAIL", ("a 5xx is a crash",)),
    "healthy-then-hang": ("ERROR", NO_ANSWER),
    "healthy-then-reset": ("ERROR", CUT),
}
# Kinds that never answer the readiness probe: the run stops before any case (exit status 2).
SILENT: dict[str, tuple[str, ...]] = {
    "hang": NO_ANSWER,
    "stall-after-headers": NO_ANSWER,
    "reset": CUT,
    "unreachable": ("ConnectError",),
}


def says(text: str, words: tuple[str, ...]) -> bool:
    return any(word in text for word in words)


# A run ends well within this, whatever the target does (the slowest, hanging ones need a few
# deadlines before the suite gives up on the target).
BOUND_S = 30.0

CLOSING_LINE = re.compile(
    r"^\d+ cases, \d+ passed, \d+ failed, \d+ non-strict, \d+ skipped, \d+ errors .*\(\d+\.\d+ s\)$"
)


@pytest.fixture(scope="module")
def profile_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.toml"
    path.write_text(PROFILE)
    return path


@pytest.fixture(scope="module")
def profile(profile_file: Path) -> Profile:
    return load_profile(profile_file)


@contextmanager
def target(kind: str) -> Iterator[str]:
    if kind == "unreachable":
        yield f"http://127.0.0.1:{free_port()}"
        return
    with serve_hostile(kind) as base_url:
        yield base_url


def _timed_run(profile: Profile, base_url: str) -> tuple[SuiteResult, float]:
    started = time.monotonic()
    suite = run_suite(profile.with_base_url(base_url))
    return suite, time.monotonic() - started


@pytest.mark.parametrize("kind", sorted(ANSWERING))
def test_api_gives_verdicts_with_details(profile: Profile, kind: str) -> None:
    with target(kind) as base_url:
        suite, took = _timed_run(profile, base_url)
    assert took < BOUND_S
    assert len(suite.results) == len(CATALOGUE)
    results = suite.by_id()
    outcome, words = ANSWERING[kind]
    assert results["LOGIN-OK-01"].outcome.value == outcome
    assert says(results["LOGIN-OK-01"].detail, words), results["LOGIN-OK-01"].detail
    counts = suite.counts()
    # Nothing that needs a usable login can pass; what passes only checked "no crash" or
    # "no token handed out", which a server answering nonsense satisfies.
    assert counts[Outcome.FAIL] + counts[Outcome.ERROR] >= 100, counts
    for result in suite.results:
        if result.outcome in (Outcome.FAIL, Outcome.ERROR):
            assert result.detail.strip(), result.case.id
            assert "Traceback" not in result.detail
            # The runner's words for an exception it did not expect: a harness bug.
            assert "harness could not decide" not in result.detail, result.detail
    assert suite.exit_code == 1


def test_api_gives_up_on_a_target_that_stops_answering(profile: Profile) -> None:
    """After a few requests without an answer, the rest fail fast instead of each waiting."""
    with target("healthy-then-hang") as base_url:
        suite, took = _timed_run(profile, base_url)
    gave_up = [r for r in suite.results if "stopped answering earlier" in r.detail]
    # A request not sent names what the last one met: no answer within the deadline.
    assert all(f"got: no answer within {TIMEOUT:g} s" in r.detail for r in gave_up)
    waited = [
        r
        for r in suite.results
        if f"no answer within {TIMEOUT:g} s" in r.detail and r not in gave_up
    ]
    assert 1 <= len(waited) <= 5
    assert len(gave_up) > 50
    assert took < 10 * TIMEOUT


@pytest.mark.parametrize("kind", sorted(SILENT))
def test_api_reports_an_unreachable_target(profile: Profile, kind: str) -> None:
    with target(kind) as base_url:
        started = time.monotonic()
        with pytest.raises(TargetUnreachable) as raised:
            run_suite(profile.with_base_url(base_url))
        took = time.monotonic() - started
    message = str(raised.value)
    assert base_url in message
    assert says(message, SILENT[kind]), message
    assert took < 5 * TIMEOUT


def _cli(profile_file: Path, base_url: str, reports: Path) -> subprocess.CompletedProcess[str]:
    argv = [
        sys.executable, "-m", "conformance", "--profile", str(profile_file),
        "--base-url", base_url, "--json", str(reports / "report.json"),
        "--junit", str(reports / "report.xml"), "--html", str(reports / "report.html"),
    ]  # fmt: skip
    return subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=BOUND_S + 30)


@pytest.mark.parametrize("kind", sorted(ANSWERING))
def test_cli_reports_a_hostile_target(profile_file: Path, tmp_path: Path, kind: str) -> None:
    with target(kind) as base_url:
        done = _cli(profile_file, base_url, tmp_path)
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert CLOSING_LINE.match(lines[-1]), lines[-1]
    assert lines[-1].startswith(f"{len(CATALOGUE)} cases, ")
    # The reports are written for a hostile target too, and say what happened.
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["cases"]) == len(CATALOGUE)
    by_id = {case["id"]: case for case in report["cases"]}
    outcome, words = ANSWERING[kind]
    assert by_id["LOGIN-OK-01"]["outcome"] == outcome
    assert says(by_id["LOGIN-OK-01"]["detail"], words)
    assert (tmp_path / "report.xml").read_text().startswith("<?xml")
    page = (tmp_path / "report.html").read_text()
    if kind == "html":
        # The target's HTML is shown as text, never rendered into the report page.
        assert "&lt;h1&gt;Welcome&lt;/h1&gt;" in page
        assert "<h1>Welcome</h1>" not in page


@pytest.mark.parametrize("kind", sorted(SILENT))
def test_cli_exits_2_for_an_unreachable_target(
    profile_file: Path, tmp_path: Path, kind: str
) -> None:
    with target(kind) as base_url:
        started = time.monotonic()
        done = _cli(profile_file, base_url, tmp_path)
        took = time.monotonic() - started
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 2
    assert "unreachable" in done.stderr
    assert base_url in done.stderr
    assert says(done.stderr, SILENT[kind]), done.stderr
    assert not any(CLOSING_LINE.match(line) for line in done.stdout.splitlines())
    # No case ran, so there is no report to write.
    assert not (tmp_path / "report.json").exists()
    # Interpreter start-up included.
    assert took < 5 * TIMEOUT + 10
