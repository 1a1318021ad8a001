"""DECLARED verdicts (capabilities written as `false`) and root-cause grouping in every report."""

from __future__ import annotations

import io
import tomllib
import xml.etree.ElementTree as ET

from conformance.catalogue import CATALOGUE
from conformance.catalogue.case import declared_absent, skip_reason
from conformance.outcomes import Outcome
from conformance.profile import Profile, default_profile_path, load_profile, parse_profile
from conformance.reports.console import ConsoleReporter, closing_line
from conformance.reports.html_report import render_html
from conformance.reports.json_report import suite_to_json
from conformance.reports.junit import junit_tree
from conformance.runner import CaseResult, SuiteResult
from tests.conformance.case_context import MINIMAL_PROFILE

BASE = (
    MINIMAL_PROFILE
    + """[[logout]]
path = "/logout"
"""
)
CASES = {case.id: case for case in CATALOGUE}


def parse(extra: str) -> Profile:
    return parse_profile(tomllib.loads(BASE + extra))


def test_an_explicit_false_declares_and_a_missing_key_skips() -> None:
    declared = parse("[capabilities]\nrate_limit = false\nrotation = false\npersistence = false")
    silent = parse("")
    for case_id, capability in (
        ("RATE-LIMIT-01", "rate_limit"),
        ("ROTATION-01", "rotation"),
        ("ROTATION-REUSE-01", "rotation"),  # reuse detection needs rotation first
        ("PERSIST-01", "persistence"),
    ):
        needs = CASES[case_id].needs
        assert declared_absent(declared, needs) == capability, case_id
        assert declared_absent(silent, needs) is None and skip_reason(silent, needs), case_id
    # A case about another design (the cookie transport) still does not apply.
    assert declared_absent(declared, ("cookie", "rotation")) is None


def test_no_logout_declared() -> None:
    profile = parse_profile(
        tomllib.loads(
            BASE.replace('[[logout]]\npath = "/logout"\n', "") + "[capabilities]\nlogout = false"
        )
    )
    assert declared_absent(profile, CASES["LOGOUT-OK-01"].needs) == "logout"
    assert declared_absent(profile, CASES["LOGOUT-REVOKE-02"].needs) == "logout"


def _suite() -> SuiteResult:
    profile = load_profile(default_profile_path())
    cause = "tokens carry nothing unique (no jti)"
    results = [
        CaseResult(CASES["LOGIN-OK-03"], Outcome.FAIL, "identical", cause=cause),
        CaseResult(CASES["CONC-LOGIN-01"], Outcome.FAIL, "2 distinct", cause=cause),
        CaseResult(CASES["REFRESH-OK-03"], Outcome.NON_STRICT, "same", cause=cause),
        CaseResult(CASES["LOGIN-OK-01"], Outcome.PASS),
        CaseResult(CASES["COOKIE-SET-01"], Outcome.SKIP, "no cookie"),
        CaseResult(
            CASES["RATE-LIMIT-01"],
            Outcome.DECLARED,
            "declared absent ([capabilities] rate_limit = false)",
        ),
    ]
    return SuiteResult(profile, results, 1.0)


def test_declared_has_its_own_count_and_does_not_fail_the_run() -> None:
    suite = _suite()
    line = closing_line(suite)
    assert "1 skipped, 1 declared, 0 errors" in line
    declared_only = SuiteResult(suite.profile, suite.results[3:], 1.0)
    assert declared_only.exit_code == 0
    assert suite_to_json(suite)["summary"]["declared"] == 1
    assert suite_to_json(suite)["summary"]["skipped"] == 1


def test_console_and_html_group_failures_under_their_cause() -> None:
    suite = _suite()
    out = io.StringIO()
    ConsoleReporter(out).finish(suite)
    text = out.getvalue()
    assert "Root causes (one defect, one finding):" in text
    assert "3 cases: LOGIN-OK-03 CONC-LOGIN-01 REFRESH-OK-03" in text
    assert "! RATE-LIMIT-01" in text and "Declared deviations" in text
    html = render_html(suite)
    assert "Root causes: one defect, one finding" in html and "tokens carry nothing" in html
    assert "1 DECLARED" in html
    causes = suite_to_json(suite)["summary"]["causes"]
    assert causes == {
        "tokens carry nothing unique (no jti)": ["LOGIN-OK-03", "CONC-LOGIN-01", "REFRESH-OK-03"]
    }


def test_junit_reports_declared_as_skipped_with_properties() -> None:
    root = junit_tree(_suite()).getroot()
    case = next(
        element
        for element in root.iter("testcase")
        if element.get("name", "").startswith("RATE-LIMIT-01")
    )
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith("DECLARED:")
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert (
        properties["outcome"] == "DECLARED"
        and properties["level"] == CASES["RATE-LIMIT-01"].level.value
    )
    assert isinstance(ET.tostring(root), bytes)
