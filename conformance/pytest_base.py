"""What the server suite's pytest plugin (`--target-profile`) and the client suite's
(`--client-profile`) share: one pytest item per case, whose outcome is the case's verdict, and
the swap of the collected tests for the suite's cases, selected with -k as usual.

A verdict becomes a pytest outcome the same way in both: PASS passes, SKIP skips, DECLARED skips
(declared by the team; it never fails a run), NON-STRICT is an xfail (a failure under the strict
option), FAIL and ERROR fail with the console's account of the case.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from conformance.catalogue.case import Case
from conformance.outcomes import Outcome
from conformance.redaction import Redactor
from conformance.reports.console import ConsoleReporter
from conformance.runner import CaseResult

__all__ = ["VerdictFailure", "VerdictItem", "use_cases_as_items"]


class VerdictFailure(Exception):
    """A case's verdict was FAIL or ERROR (or NON-STRICT under the strict option)."""


class VerdictItem(pytest.Item):
    """One case as a pytest item. Subclasses say where the suite's results are, which option
    makes NON-STRICT fail and which names the profile."""

    strict_option = ""
    profile_option = ""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def result(self) -> CaseResult:
        """This case's result: the suite runs once, for every selected item, at the first."""
        raise NotImplementedError

    def redactor(self) -> Redactor:
        return Redactor()

    def runtest(self) -> None:
        result = self.result()
        strict = bool(self.config.getoption(self.strict_option))
        if result.outcome is Outcome.SKIP:
            pytest.skip(result.detail)
        if result.outcome is Outcome.DECLARED:
            pytest.skip(f"DECLARED: {result.detail}")
        if result.outcome is Outcome.NON_STRICT and not strict:
            pytest.xfail(f"NON-STRICT: {result.detail}")
        if result.outcome is not Outcome.PASS:
            raise VerdictFailure(ConsoleReporter.failure(1, result, self.redactor()))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, VerdictFailure):
            return str(excinfo.value).lstrip("\n")
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int, str]:
        return (self.config.getoption(self.profile_option), 0, f"{self.case.id} {self.case.title}")


def use_cases_as_items(
    config: pytest.Config, items: list[pytest.Item], cases: Iterable[pytest.Item]
) -> None:
    """Replace the collected *items* by the suite's *cases*, keeping those -k selects; both the
    replaced tests and the cases -k leaves out are reported as deselected."""
    if items:
        config.hook.pytest_deselected(items=list(items))
    kept: list[pytest.Item] = list(cases)
    keyword = config.getoption("keyword")
    if keyword:
        from _pytest.mark import KeywordMatcher
        from _pytest.mark.expression import Expression

        expression = Expression.compile(keyword)
        selected = [item for item in kept if expression.evaluate(KeywordMatcher.from_item(item))]
        config.hook.pytest_deselected(items=[item for item in kept if item not in selected])
        kept = selected
    items[:] = kept
