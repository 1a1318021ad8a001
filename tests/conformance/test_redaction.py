"""Reports are CI artifacts: they show tokens shortened (header and payload readable, signature
cut; opaque tokens cut after a few characters) and never the profile's password or signing
secret, unless --show-secrets asks for everything in full."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.profile import default_profile_path, load_profile
from conformance.redaction import Redactor
from conformance.reports import suite_to_json
from conformance.reports.console import ConsoleReporter
from conformance.reports.html_report import render_html
from conformance.reports.junit import junit_tree
from conformance.runner import SuiteResult, run_suite, select_cases
from tests.conformance.crashing import crashing_app

PROFILE = load_profile(default_profile_path())
PASSWORD = PROFILE.credentials.password
SECRET = PROFILE.signing.secret
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyMSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2ln"
ISSUED = re.compile(r'"(?:access|refresh)_token"\s*:\s*"([^"]+)"')


def test_a_jwt_keeps_header_and_payload_and_loses_its_signature() -> None:
    header_and_payload, _, signature = JWT.rpartition(".")
    shown = Redactor()(f"Authorization: Bearer {JWT}")
    assert shown == f"Authorization: Bearer {header_and_payload}.<sig {len(signature)} chars cut>"


def test_a_mangled_token_shows_no_signature() -> None:
    header, payload, signature = JWT.split(".")
    shown = Redactor()(f"Bearer {header}..{payload}.{signature}.")
    assert signature not in shown
    assert shown.startswith(f"Bearer {header}..<sig ")


def test_opaque_tokens_and_secrets_are_cut() -> None:
    redactor = Redactor()
    redactor.tokens(["q7Xz0paqueRefreshToken-123456"])
    redactor.secret("pass word&1", "password")
    text = redactor(
        'refresh=q7Xz0paqueRefreshToken-123456 {"password": "pass word&1"} password=pass+word%261'
    )
    assert text == (
        'refresh=q7Xz...<25 chars cut> {"password": "<password cut>"} password=<password cut>'
    )


def test_show_secrets_shows_everything() -> None:
    redactor = Redactor(show=True)
    redactor.secret(PASSWORD, "password")
    assert redactor(f"{JWT} {PASSWORD}") == f"{JWT} {PASSWORD}"


@pytest.fixture(scope="module")
def suite() -> SuiteResult:
    """A run with failures (a target that crashes on malformed bearer tokens), so that every
    part of every report — failure text, curl repro, exchanges — has something to show."""
    return run_suite(
        PROFILE, cases=select_cases(["LOGIN-OK", "BEARER-", "REFRESH-OK"]), app=crashing_app()
    )


def _issued(suite: SuiteResult) -> set[str]:
    bodies = (e.response_body.decode() for r in suite.results for e in r.exchanges)
    return {token for body in bodies for token in ISSUED.findall(body)}


def _reports(suite: SuiteResult) -> dict[str, str]:
    console = io.StringIO()
    ConsoleReporter(console, redact=suite.redact).finish(suite)
    return {
        "console": console.getvalue(),
        "json": json.dumps(suite_to_json(suite), ensure_ascii=False),
        "junit": ET.tostring(junit_tree(suite).getroot(), encoding="unicode"),
        "html": render_html(suite),
    }


def test_reports_hold_no_full_token_password_or_secret(suite: SuiteResult) -> None:
    issued = _issued(suite)
    assert len(issued) > 10
    assert "Failures:" in _reports(suite)["console"]
    for name, text in _reports(suite).items():
        leaked = [token for token in issued if token in text]
        assert not leaked, f"{name} report holds {len(leaked)} live tokens"
        assert PASSWORD not in text, name
        assert SECRET not in text, name
        if name != "junit":  # JUnit shows only each failure's last request, maybe tokenless
            assert "chars cut" in text, name


def test_show_secrets_puts_the_full_tokens_back(suite: SuiteResult) -> None:
    issued = _issued(suite)
    suite.redact.show = True
    try:
        reports = _reports(suite)
    finally:
        suite.redact.show = False
    assert all(token in reports["json"] for token in issued)
    assert PASSWORD in reports["json"]
    # The repro of a failure carries a full token, ready to paste.
    repro = [line for line in reports["console"].splitlines() if "reproduce:" in line]
    assert any(token in line for line in repro for token in issued), repro


def test_the_cli_shortens_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for flags, full in (([], False), (["--show-secrets"], True)):
        out = tmp_path / f"report{len(flags)}.json"
        main(["--select", "LOGIN-OK-01", "--json", str(out), *flags])
        capsys.readouterr()
        text = out.read_text()
        assert ("<sig " in text) is not full
        assert (PASSWORD in text) is full
