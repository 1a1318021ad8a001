"""One mapping from how a case ended to its verdict, shared by the server and client runners."""

from __future__ import annotations

import pytest

from conformance.catalogue import CATALOGUE
from conformance.catalogue.case import Case
from conformance.judging import judge
from conformance.outcomes import (
    CaseFailure,
    DeclaredAbsent,
    HarnessError,
    Level,
    Outcome,
    PreconditionFailed,
    Skipped,
    TargetError,
)
from conformance.runner import CaseResult

MUST = next(case for case in CATALOGUE if case.level is Level.MUST)
SHOULD = next(case for case in CATALOGUE if case.level is Level.SHOULD)


def raised(exc: Exception) -> Exception:
    """*exc* with a traceback, as a runner sees it."""
    try:
        raise exc
    except Exception as caught:
        return caught


def test_a_deviation_fails_a_must_and_is_non_strict_for_a_should() -> None:
    failure = raised(CaseFailure("a 401", "a 200", cause="no signature check"))
    for case, outcome in ((MUST, Outcome.FAIL), (SHOULD, Outcome.NON_STRICT)):
        judgement = judge(case, failure)
        assert judgement.outcome is outcome
        assert (judgement.expected, judgement.actual) == ("a 401", "a 200")
        assert judgement.cause == "no signature check"
        assert judgement.detail == "expected a 401; got a 200"


@pytest.mark.parametrize(
    ("exc", "outcome", "detail"),
    [
        (Skipped("does not apply"), Outcome.SKIP, "does not apply"),
        (DeclaredAbsent("rotation"), Outcome.DECLARED, "[capabilities] rotation = false"),
        (TargetError("reset"), Outcome.ERROR, "target did not answer: reset"),
        (PreconditionFailed("could not log in"), Outcome.ERROR, "could not log in"),
        (ZeroDivisionError("boom"), Outcome.ERROR, "harness could not decide: ZeroDivisionError"),
    ],
)
def test_every_other_ending_has_one_verdict(exc: Exception, outcome: Outcome, detail: str) -> None:
    judgement = judge(MUST, raised(exc))
    assert judgement.outcome is outcome
    assert detail in judgement.detail
    assert judgement.expected == judgement.actual == ""


def test_a_harness_error_keeps_its_cause_and_a_runner_names_its_own_errors() -> None:
    assert judge(MUST, raised(HarnessError("bad key", cause="wrong key"))).cause == "wrong key"
    named = judge(SHOULD, raised(KeyError("x")), describe_other=lambda exc: f"own: {exc!r}")
    assert (named.outcome, named.detail) == (Outcome.ERROR, "own: KeyError('x')")


def test_a_judgement_fills_in_a_result() -> None:
    case: Case = MUST
    result = CaseResult(case, Outcome.PASS)
    judge(case, raised(CaseFailure("x", "y", cause="c"))).apply_to(result)
    assert (result.outcome, result.expected, result.actual, result.cause) == (
        Outcome.FAIL,
        "x",
        "y",
        "c",
    )
