"""dualtoken's conformance suite: a target profile in, a verdict per case out."""

from __future__ import annotations

from conformance.outcomes import Level, Outcome
from conformance.profile import Profile, ProfileError, load_profile, parse_profile
from conformance.runner import (
    CaseResult,
    SuiteResult,
    TargetUnreachable,
    run_suite,
    run_suite_async,
    select_cases,
)

__all__ = [
    "CaseResult",
    "Level",
    "Outcome",
    "Profile",
    "ProfileError",
    "SuiteResult",
    "TargetUnreachable",
    "load_profile",
    "parse_profile",
    "run_suite",
    "run_suite_async",
    "select_cases",
]
