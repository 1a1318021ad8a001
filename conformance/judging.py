"""How the way a case ended becomes its verdict: one mapping for the server runner
(conformance/runner.py) and the client runner (e2e/runner.py), so that the same exception means
the same verdict, detail and cause in both suites."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from conformance.catalogue.case import Case
from conformance.outcomes import (
    CaseFailure,
    DeclaredAbsent,
    HarnessError,
    Level,
    Outcome,
    Skipped,
    TargetError,
)

__all__ = ["Judgement", "declared_detail", "judge"]


class _Judged(Protocol):
    """What a judgement fills in (conformance.runner.CaseResult; a Protocol because the runner
    imports this module)."""

    outcome: Outcome
    detail: str
    expected: str
    actual: str
    cause: str


@dataclass(frozen=True)
class Judgement:
    outcome: Outcome
    detail: str
    expected: str = ""
    actual: str = ""
    cause: str = ""

    def apply_to(self, result: _Judged) -> None:
        result.outcome, result.detail = self.outcome, self.detail
        result.expected, result.actual, result.cause = self.expected, self.actual, self.cause


def declared_detail(case: Case, capability: str) -> str:
    return (
        f"declared absent ([capabilities] {capability} = false): a deviation from "
        f"{case.spec}, at level {case.level.value}"
    )


def judge(
    case: Case,
    exc: Exception,
    *,
    describe_other: Callable[[Exception], str | None] = lambda _: None,
) -> Judgement:
    """The verdict of *case* when its run raised *exc*. A deviation is FAIL for a MUST and
    NON-STRICT for a SHOULD; a case that could not decide is an ERROR whose detail says why.
    *describe_other* names a runner's own errors (e.g. the browser's) before the catch-all."""
    if isinstance(exc, DeclaredAbsent):
        return Judgement(Outcome.DECLARED, declared_detail(case, exc.capability))
    if isinstance(exc, Skipped):
        return Judgement(Outcome.SKIP, str(exc))
    if isinstance(exc, CaseFailure):
        outcome = Outcome.FAIL if case.level is Level.MUST else Outcome.NON_STRICT
        return Judgement(outcome, str(exc), exc.expected, exc.actual, exc.cause)
    if isinstance(exc, TargetError):
        return Judgement(Outcome.ERROR, f"target did not answer: {exc}")
    if isinstance(exc, HarnessError):
        return Judgement(Outcome.ERROR, str(exc), cause=exc.cause)
    described = describe_other(exc)
    if described is not None:
        return Judgement(Outcome.ERROR, described)
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    return Judgement(
        Outcome.ERROR,
        f"harness could not decide: {type(exc).__name__}: {exc} "
        f"({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})",
    )
