"""Console output: a ✔/× line per case as it finishes, failures again at the end with the
requirement, expected, actual and a curl command, then the closing count line."""

from __future__ import annotations

import sys
from typing import TextIO

from conformance.exchange import Redact
from conformance.outcomes import Outcome
from conformance.redaction import Redactor
from conformance.reports.facts import case_facts
from conformance.runner import CaseResult, SuiteResult

__all__ = ["ConsoleReporter", "closing_line"]

MARKS = {
    Outcome.PASS: "✔",
    Outcome.FAIL: "×",
    Outcome.NON_STRICT: "×",
    Outcome.ERROR: "×",
    Outcome.SKIP: "-",
    Outcome.DECLARED: "!",
}


def closing_line(suite: SuiteResult) -> str:
    counts = suite.counts()
    parts = [
        f"{len(suite.results)} cases",
        f"{counts[Outcome.PASS]} passed",
        f"{counts[Outcome.FAIL]} failed",
        f"{counts[Outcome.NON_STRICT]} non-strict",
        f"{counts[Outcome.SKIP]} skipped",
        f"{counts[Outcome.ERROR]} errors",
    ]
    if counts[Outcome.DECLARED]:
        parts.insert(5, f"{counts[Outcome.DECLARED]} declared")
    expected = sum(1 for r in suite.results if r.expected_failure)
    if expected:
        parts.append(f"{expected} expected failures")
    if suite.stale_expected:
        parts.append(f"{len(suite.stale_expected)} stale expected failures")
    return ", ".join(parts) + f" ({suite.duration_s:.2f} s)"


class ConsoleReporter:
    def __init__(
        self, stream: TextIO | None = None, *, strict: bool = False, redact: Redact | None = None
    ) -> None:
        self.stream = stream or sys.stdout
        self.strict = strict
        self.redact: Redact = redact if redact is not None else Redactor()
        self._family = ""

    def _print(self, text: str = "") -> None:
        print(text, file=self.stream, flush=True)

    def case_done(self, result: CaseResult) -> None:
        if result.case.family != self._family:
            self._family = result.case.family
            self._print(f"\n{self._family}")
        tag = "" if result.outcome is Outcome.PASS else f" [{result.outcome.value}]"
        if result.expected_failure:
            tag += " (expected)"
        self._print(f"  {MARKS[result.outcome]} {result.case.id}  {result.case.title}{tag}")
        if result.outcome is Outcome.SKIP:
            self._print(f"      skipped: {self.redact(result.detail)}")
        elif result.outcome is Outcome.DECLARED:
            self._print(f"      declared: {result.detail}")

    def finish(self, suite: SuiteResult) -> None:
        shown = [r for r in suite.results if r.deviated]
        if shown:
            self._print("\nFailures:")
        for number, result in enumerate(shown, start=1):
            self._print(self.failure(number, result, self.redact))
        causes = suite.by_cause()
        if causes:
            self._print("\nRoot causes (one defect, one finding):")
        for cause, results in causes.items():
            self._print(f"  - {cause}")
            self._print(f"      {len(results)} cases: {' '.join(r.case.id for r in results)}")
        declared = suite.declared()
        if declared:
            self._print("\nDeclared deviations (the profile says the target lacks these):")
        for result in declared:
            case = result.case
            self._print(f"  ! {case.id} {case.title} [{case.level.value}: {case.spec}]")
        for case_id in suite.stale_expected:
            self._print(
                f"\nstale expected failure: {case_id} passed; "
                "remove it from the expected-failures file"
            )
        self._print()
        self._print(closing_line(suite))

    @staticmethod
    def failure(number: int, result: CaseResult, redact: Redact) -> str:
        case = result.case
        label = result.outcome.value + (", expected" if result.expected_failure else "")
        lines = [f"\n{number}) {case.id} {case.title} [{label}]"]
        lines += [
            f"   {name + ':':<12} {text}"
            for name, text in case_facts(result, redact, curl_limit=2000)
        ]
        return "\n".join(lines)
