"""JUnit XML: one testsuite per family, one testcase per case, for CI dashboards."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby
from pathlib import Path

from conformance.exchange import Redact
from conformance.outcomes import Outcome
from conformance.reports.facts import case_facts
from conformance.runner import CaseResult, SuiteResult

__all__ = ["junit_tree", "write_junit"]


def _body(result: CaseResult, redact: Redact) -> str:
    return "\n".join(
        f"{name}: {text}" for name, text in case_facts(result, redact, curl_limit=4000)
    )


def _is_failure(result: CaseResult, strict: bool) -> bool:
    """Reported as <failure>: fails the run, but not as an <error>."""
    return result.fails_run(strict) and result.outcome is not Outcome.ERROR


def _testcase(parent: ET.Element, result: CaseResult, strict: bool, redact: Redact) -> None:
    detail = redact(result.detail)
    element = ET.SubElement(
        parent,
        "testcase",
        classname=f"conformance.{result.case.family}",
        name=f"{result.case.id} {result.case.title}",
        time=f"{result.duration_ms / 1000:.3f}",
    )
    # Every case, passing or not, says which sentence it holds the target to.
    properties = ET.SubElement(element, "properties")
    for name, value in (
        ("level", result.case.level.value),
        ("spec", result.case.spec),
        ("quote", result.case.quote),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    outcome = result.outcome
    if result.expected_failure:
        ET.SubElement(element, "skipped", message=f"expected failure ({outcome.value}): {detail}")
    elif outcome is Outcome.SKIP:
        ET.SubElement(element, "skipped", message=detail)
    elif outcome is Outcome.DECLARED:
        # A declared deviation does not fail the run; CI shows it as skipped, and the
        # property lets a dashboard count it apart from "does not apply".
        ET.SubElement(element, "skipped", message=f"DECLARED: {detail}")
        properties = ET.SubElement(element, "properties")
        ET.SubElement(properties, "property", name="outcome", value=outcome.value)
        ET.SubElement(properties, "property", name="level", value=result.case.level.value)
        ET.SubElement(properties, "property", name="spec", value=result.case.spec)
    elif outcome is Outcome.ERROR:
        ET.SubElement(element, "error", message=detail).text = _body(result, redact)
    elif _is_failure(result, strict):
        ET.SubElement(element, "failure", message=f"{outcome.value}: {detail}").text = _body(
            result, redact
        )
    elif outcome is Outcome.NON_STRICT:
        ET.SubElement(element, "system-out").text = f"NON-STRICT: {detail}"


def junit_tree(suite: SuiteResult) -> ET.ElementTree[ET.Element]:
    root = ET.Element("testsuites", name="dualtoken conformance")
    for family, group in groupby(suite.results, key=lambda r: r.case.family):
        results = list(group)
        element = ET.SubElement(
            root,
            "testsuite",
            name=f"conformance.{family}",
            tests=str(len(results)),
            failures=str(sum(1 for r in results if _is_failure(r, suite.strict))),
            errors=str(
                sum(1 for r in results if r.outcome is Outcome.ERROR and not r.expected_failure)
            ),
            skipped=str(
                sum(
                    1
                    for r in results
                    if r.outcome in (Outcome.SKIP, Outcome.DECLARED) or r.expected_failure
                )
            ),
            time=f"{sum(r.duration_ms for r in results) / 1000:.3f}",
        )
        for result in results:
            _testcase(element, result, suite.strict, suite.redact)
    if suite.stale_expected:
        element = ET.SubElement(
            root, "testsuite", name="conformance.expected-failures", tests="1", failures="1"
        )
        case = ET.SubElement(
            element, "testcase", classname="conformance", name="expected failures are current"
        )
        ET.SubElement(case, "failure", message="stale entries: " + ", ".join(suite.stale_expected))
    return ET.ElementTree(root)


def write_junit(suite: SuiteResult, path: str | Path) -> None:
    tree = junit_tree(suite)
    ET.indent(tree)
    tree.write(Path(path), encoding="utf-8", xml_declaration=True)
