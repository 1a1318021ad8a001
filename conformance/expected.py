"""The expected-failures file: known deviations that do not fail the run, until they are fixed.

One case ID per line, optionally followed by a reason after `#`; blank lines and lines starting
with `#` are ignored. A listed case that deviates is reported but does not fail the run; a listed
case that now passes is stale and fails the run, so the file cannot silently rot.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from conformance.outcomes import Outcome
from conformance.runner import CaseResult, SuiteResult

__all__ = [
    "ExpectedFailuresError",
    "apply_expected_failures",
    "load_expected_failures",
    "mark_expected",
]


class ExpectedFailuresError(ValueError):
    """The file cannot be read or names a case the catalogue does not have."""


def load_expected_failures(path: str | Path, known_ids: Iterable[str]) -> dict[str, str]:
    """ID -> reason, checked against the catalogue's IDs."""
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ExpectedFailuresError(
            f"expected failures: cannot read {file}: {exc.strerror}"
        ) from None
    known = set(known_ids)
    entries: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        text, _, reason = line.partition("#")
        case_id = text.strip()
        if not case_id:
            continue
        if case_id not in known:
            raise ExpectedFailuresError(
                f"expected failures: {file}:{number}: no case {case_id!r} in the catalogue"
            )
        entries[case_id] = reason.strip()
    return entries


def mark_expected(result: CaseResult, entries: dict[str, str]) -> None:
    """Mark one result as an expected failure if it is listed and deviated."""
    if result.case.id in entries and result.deviated and not result.expected_failure:
        result.expected_failure = True
        reason = entries[result.case.id]
        if reason:
            result.detail = f"{result.detail} [expected failure: {reason}]"


def apply_expected_failures(suite: SuiteResult, entries: dict[str, str]) -> None:
    """Mark listed deviations as expected; collect listed cases that passed as stale."""
    for result in suite.results:
        mark_expected(result, entries)
        if result.case.id in entries and result.outcome is Outcome.PASS:
            suite.stale_expected.append(result.case.id)
