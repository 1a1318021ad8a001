"""Verdicts, requirement levels and the typed exceptions that cases and verifiers raise."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CaseFailure",
    "ConnectionCut",
    "DeclaredAbsent",
    "HarnessError",
    "Level",
    "Outcome",
    "PreconditionFailed",
    "Skipped",
    "TargetError",
]


class Level(StrEnum):
    """How binding a requirement is: a broken MUST fails, a broken SHOULD is NON-STRICT."""

    MUST = "MUST"
    SHOULD = "SHOULD"


class Outcome(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    NON_STRICT = "NON-STRICT"
    SKIP = "SKIP"
    ERROR = "ERROR"
    # The profile declares the target lacks a defence that the seed design or a spec calls for:
    # a finding with the case's level and source, counted apart from SKIP (which is "does not
    # apply"). It does not fail the run: the team told us.
    DECLARED = "DECLARED"


class CaseFailure(Exception):
    """The target broke the case's requirement; `expected` and `actual` say how."""

    def __init__(self, expected: str, actual: str, *, cause: str = "") -> None:
        super().__init__(f"expected {expected}; got {actual}")
        self.expected = expected
        self.actual = actual
        # A short root-cause label shared by every case the same defect breaks (e.g. "tokens
        # carry no jti"), so reports can group them as one finding.
        self.cause = cause


class Skipped(Exception):
    """The case does not apply to this target; the message is the reason."""


class DeclaredAbsent(Exception):
    """The profile writes the capability a probing case looks for as `false`: the finding is
    one the team declared (DECLARED), so the case reports that instead of probing."""

    def __init__(self, capability: str) -> None:
        super().__init__(capability)
        self.capability = capability


class HarnessError(Exception):
    """The suite could not decide (a bad profile fact, an unexpected answer to a setup step)."""

    def __init__(self, *args: object, cause: str = "") -> None:
        super().__init__(*args)
        # Shared by every case the same setup problem stops (e.g. a wrong signing key).
        self.cause = cause


class PreconditionFailed(HarnessError):
    """A setup step (login, hook, restart) did not work, so the case's own check never ran."""


class TargetError(HarnessError):
    """The target did not answer: connection refused or reset, or no answer in time."""


class ConnectionCut(TargetError):
    """The connection was closed or reset before an answer arrived."""
