"""Reading a target test's asserted verdicts: an `EXPECTED` table maps each outcome to the IDs
of the cases that get it (whitespace-separated), and every case not listed passes."""

from __future__ import annotations

from collections.abc import Mapping

from conformance.outcomes import Outcome
from conformance.runner import SuiteResult

__all__ = ["by_case", "not_passed", "verdicts_of"]


def verdicts_of(suite: SuiteResult) -> dict[str, Outcome]:
    return {result.case.id: result.outcome for result in suite.results}


def by_case(expected: Mapping[Outcome, str]) -> dict[str, Outcome]:
    """`EXPECTED` turned round: case ID -> outcome."""
    return {case_id: outcome for outcome, ids in expected.items() for case_id in ids.split()}


def not_passed(verdicts: Mapping[str, Outcome]) -> dict[str, Outcome]:
    return {
        case_id: outcome for case_id, outcome in verdicts.items() if outcome is not Outcome.PASS
    }
