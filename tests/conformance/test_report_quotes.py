"""Next to each verdict the reports show the level and the normative sentence the case holds the
target to, with its source: HTML and JUnit for every case, the console for every deviation."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import replace

from conformance.catalogue import CATALOGUE
from conformance.outcomes import Level, Outcome
from conformance.profile import default_profile_path, load_profile
from conformance.reports.console import ConsoleReporter
from conformance.reports.html_report import render_html
from conformance.reports.junit import junit_tree
from conformance.runner import CaseResult, SuiteResult

QUOTE = "The resource server MUST validate the access token."
FAILED = replace(CATALOGUE[0], id="DEMO-FAIL-01", quote=QUOTE, spec="RFC 6750 §3.1")
PASSED = replace(
    CATALOGUE[1], id="DEMO-PASS-01", quote="Refresh tokens SHOULD be rotated.", level=Level.SHOULD
)


def _suite() -> SuiteResult:
    return SuiteResult(
        load_profile(default_profile_path()),
        [
            CaseResult(FAILED, Outcome.FAIL, "expected x; got y", expected="x", actual="y"),
            CaseResult(PASSED, Outcome.PASS),
        ],
        0.1,
    )


def test_html_shows_level_and_quote_for_every_case() -> None:
    page = render_html(_suite())
    assert (
        "\u201cThe resource server MUST validate the access token.\u201d (RFC 6750 §3.1, MUST)"
        in page
    )
    assert "\u201cRefresh tokens SHOULD be rotated.\u201d" in page
    assert "<span class='level'>SHOULD</span>" in page


def test_junit_carries_level_spec_and_quote_for_every_case() -> None:
    root = junit_tree(_suite()).getroot()
    properties = {
        case.get("name", "").split()[0]: {
            p.get("name"): p.get("value") for p in case.iter("property")
        }
        for case in root.iter("testcase")
    }
    assert properties["DEMO-FAIL-01"] == {"level": "MUST", "spec": "RFC 6750 §3.1", "quote": QUOTE}
    assert properties["DEMO-PASS-01"]["level"] == "SHOULD"
    assert properties["DEMO-PASS-01"]["quote"] == "Refresh tokens SHOULD be rotated."
    failure = next(root.iter("failure")).text or ""
    assert f"quote: \u201c{QUOTE}\u201d" in failure
    ET.tostring(root)  # serialises


def test_console_repeats_the_quote_for_each_deviation_only() -> None:
    out = io.StringIO()
    ConsoleReporter(out).finish(_suite())
    text = out.getvalue()
    assert f"quote:       \u201c{QUOTE}\u201d (RFC 6750 §3.1, MUST)" in text
    assert "SHOULD be rotated" not in text
