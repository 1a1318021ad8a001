"""The CLI: exit codes, console output, reports, expected failures, dry run, usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.profile import default_profile_path
from tests.servers import REPO_ROOT, free_port

REFERENCE = default_profile_path()


def profile_with_app(tmp_path: Path, app: str) -> Path:
    """The reference profile, with the in-process app swapped for `app`."""
    text = REFERENCE.read_text().replace('"conformance.embedded:reference_app"', f'"{app}"')
    path = tmp_path / "profile.toml"
    path.write_text(text)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_passing_run_exits_0_with_a_line_per_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--select", "LOGIN-", "BEARER-CHALLENGE")
    assert code == 0
    assert "  ✔ LOGIN-OK-01  Right credentials get an access token and a refresh token" in out
    assert out.count("✔") == 16
    assert (
        out.rstrip()
        .splitlines()[-1]
        .startswith("16 cases, 16 passed, 0 failed, 0 non-strict, 0 skipped, 0 errors")
    )


def test_failures_exit_1_and_are_repeated_with_a_curl(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    profile = profile_with_app(tmp_path, "tests.conformance.faulty_apps:no_cache_control")
    code, out, _ = run(
        capsys, "--profile", str(profile), "--select", "LOGIN-CACHE-01", "LOGIN-OK-01"
    )
    assert code == 1
    assert "× LOGIN-CACHE-01  The login answer forbids caching [FAIL]" in out
    failures = out.split("Failures:", 1)[1]
    assert "requirement: A response carrying tokens has Cache-Control: no-store." in failures
    assert "expected:    Cache-Control: no-store" in failures
    assert "actual:      Cache-Control: (absent)" in failures
    assert "reproduce:   curl -sS -i -X POST http://testserver/login" in failures
    assert "2 cases, 1 passed, 1 failed" in out


def test_should_breaks_fail_only_with_strict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app = "tests.conformance.faulty_apps:challenge_always_has_error"
    profile = str(profile_with_app(tmp_path, app))
    code, out, _ = run(capsys, "--profile", profile, "--select", "BEARER-CHALLENGE")
    assert code == 0 and "[NON-STRICT]" in out and "1 non-strict" in out
    code, _, _ = run(capsys, "--profile", profile, "--select", "BEARER-CHALLENGE", "--strict")
    assert code == 1


def test_expected_failures_are_forgiven_and_stale_ones_fail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    listed = tmp_path / "expected.txt"
    listed.write_text("# known\nLOGIN-CACHE-01   # the CDN strips it, ticket 42\n\n")
    faulty = str(profile_with_app(tmp_path, "tests.conformance.faulty_apps:no_cache_control"))
    args = ("--select", "LOGIN-CACHE-01", "--expected-failures", str(listed))
    code, out, _ = run(capsys, "--profile", faulty, *args)
    assert code == 0 and "(expected)" in out and "1 expected failures" in out
    # Against the reference server the same entry no longer fails: stale, and the run fails.
    code, out, _ = run(capsys, *args)
    assert code == 1
    assert "stale expected failure: LOGIN-CACHE-01 passed" in out


def test_expected_failures_with_an_unknown_id_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    listed = tmp_path / "expected.txt"
    listed.write_text("LOGIN-NOPE-99\n")
    code, _, err = run(capsys, "--expected-failures", str(listed))
    assert code == 2 and "no case 'LOGIN-NOPE-99'" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(REFERENCE.read_text().replace('transport = "json"', 'transport = "xml"'))
    code, out, err = run(capsys, "--profile", str(bad))
    assert code == 2 and out == ""
    assert err.strip() == (
        "profile error: [refresh] transport: expected one of json, form, bearer, cookie, got 'xml'"
    )
    code, _, err = run(capsys, "--select", "NOPE-")
    assert code == 2 and "no case ID starts with" in err
    code, _, err = run(capsys, "--base-url", "http://127.0.0.1:8000")
    assert code == 2 and "'freeze' moves time only in-process" in err
    with pytest.raises(SystemExit) as raised:
        main(["--no-such-option"])
    assert raised.value.code == 2


def test_unreachable_target_exits_2_quickly(capsys: pytest.CaptureFixture[str]) -> None:
    http = REFERENCE.parent / "reference-http.toml"
    url = f"http://127.0.0.1:{free_port()}"
    code, _, err = run(capsys, "--profile", str(http), "--base-url", url)
    assert code == 2
    assert f"target {url} unreachable" in err and "Traceback" not in err


def test_bad_in_process_app_is_a_clear_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    profile = profile_with_app(tmp_path, "no_such_module_xyz:app")
    code, _, err = run(capsys, "--profile", str(profile))
    assert code == 2 and "cannot import 'no_such_module_xyz'" in err


def test_dry_run_lists_cases_and_skip_reasons(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_JWT_SECRET", "s" * 64)
    acme = REFERENCE.parent / "example-acme.toml"
    code, out, _ = run(capsys, "--profile", str(acme), "--dry-run", "--select", "ROBUST-LOGIN-0")
    assert code == 0
    assert "ROBUST-LOGIN-01          MUST   A login body that is not JSON is a 4xx" in out
    assert "(would skip: not applicable: login takes a form, not JSON)" in out
    assert out.rstrip().endswith("6 cases selected")


def test_report_dir_writes_all_three_formats(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    profile = profile_with_app(tmp_path, "tests.conformance.faulty_apps:no_cache_control")
    reports = tmp_path / "reports"
    code, _, _ = run(
        capsys, "--profile", str(profile), "--select", "LOGIN-CACHE", "COOKIE-ATTR-01",
        "--report-dir", str(reports),
    )  # fmt: skip
    assert code == 1

    data = json.loads((reports / "conformance.json").read_text())
    summary = data["summary"]
    assert (summary["total"], summary["passed"], summary["failed"], summary["skipped"]) == (
        3,
        1,
        1,
        1,
    )
    assert summary["exit_code"] == 1
    failed = next(case for case in data["cases"] if case["id"] == "LOGIN-CACHE-01")
    assert {"id", "title", "family", "spec", "level", "outcome", "detail", "exchanges"} <= set(
        failed
    )
    assert failed["outcome"] == "FAIL" and failed["level"] == "MUST"
    exchange = failed["exchanges"][0]
    assert exchange["request"]["method"] == "POST" and exchange["response"]["status"] == 200
    assert exchange["curl"].startswith("curl -sS -i -X POST")

    suites = ET.parse(reports / "conformance.xml").getroot()
    assert suites.tag == "testsuites"
    cases = {c.get("name", "").split()[0]: c for c in suites.iter("testcase")}
    failure = cases["LOGIN-CACHE-01"].find("failure")
    assert failure is not None and failure.text is not None
    assert "actual: Cache-Control: (absent)" in failure.text
    assert "reproduce: curl -sS -i -X POST" in failure.text
    assert cases["LOGIN-CACHE-02"].find("failure") is None
    assert cases["COOKIE-ATTR-01"].find("skipped") is not None

    page = (reports / "conformance.html").read_text()
    assert page.startswith("<!doctype html>") and "FAILED" in page
    assert "<dt>actual</dt><dd>Cache-Control: (absent)</dd>" in page
    assert all(
        case_id in page for case_id in ("LOGIN-CACHE-01", "LOGIN-CACHE-02", "COOKIE-ATTR-01")
    )
    # Self-contained: no scripts, no stylesheets or images from elsewhere.
    assert "<script" not in page and "<link" not in page and "src=" not in page


def test_single_report_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_json, out_xml, out_html = tmp_path / "a/r.json", tmp_path / "b/r.xml", tmp_path / "r.html"
    code, _, _ = run(
        capsys, "--select", "LOGIN-OK-01", "--json", str(out_json), "--junit", str(out_xml),
        "--html", str(out_html),
    )  # fmt: skip
    assert code == 0
    assert json.loads(out_json.read_text())["cases"][0]["outcome"] == "PASS"
    assert ET.parse(out_xml).getroot().find("testsuite") is not None
    assert "LOGIN-OK-01" in out_html.read_text()


def test_python_dash_m_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "--dry-run", "--select", "LOGIN-OK"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "LOGIN-OK-01" in done.stdout and "3 cases selected" in done.stdout
