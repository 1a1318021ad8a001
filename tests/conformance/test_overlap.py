"""Cases that declare `overlaps` run alongside each other against a slow login (conformance.
runner), ahead of their place in the catalogue: their verdicts must be the ones they get one by
one. Every mutant whose fault one of them is built to catch, or fails as a consequence, runs
here behind a slow login with those cases selected; the cases must deviate exactly as in the
mutant's full sequential run (tests/conformance/test_mutants.py), and must really have run
alongside each other."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.catalogue import CATALOGUE
from conformance.outcomes import Outcome
from conformance.runner import OVERLAP, OVERLAP_LOGIN_S, run_suite
from tests.conformance.mutants import BY_NAME
from tests.conformance.mutants.profiles import settings_for
from tests.conformance.test_mutants import EXPECTED
from tests.targets.slow_login import SlowLogin

OVERLAPPING = {case.id for case in CATALOGUE if case.overlaps}
# Slow enough to count as slow (OVERLAP_LOGIN_S), quick enough to keep the test short.
LOGIN_S = 0.15
DEVIATIONS = {Outcome.FAIL.value, Outcome.NON_STRICT.value, Outcome.ERROR.value}
CATCHING = sorted(name for name, caught in EXPECTED.items() if caught.ids & OVERLAPPING)


def test_the_overlapping_cases_fit_one_group_and_the_mutants_cover_them() -> None:
    assert LOGIN_S >= OVERLAP_LOGIN_S
    assert len(OVERLAPPING) <= OVERLAP
    caught = {case for name in CATCHING for case in EXPECTED[name].targets.split()}
    assert sorted(OVERLAPPING - caught) == []


@pytest.mark.parametrize("name", CATCHING)
def test_cases_run_alongside_each_other_decide_as_one_by_one(name: str, tmp_path: Path) -> None:
    mutant = BY_NAME[name]
    profile = mutant.profile(tmp_path)
    settings = settings_for(profile)
    cases = [case for case in mutant.cases() if case.overlaps]
    logins: list[SlowLogin] = []

    def slow_app() -> SlowLogin:
        logins.append(SlowLogin(mutant.app(settings), delay=LOGIN_S))
        return logins[-1]

    suite = run_suite(profile, cases=cases, app_factory=slow_app)
    deviations = {
        result.case.id: f"{result.outcome.value}: {result.detail}"
        for result in suite.results
        if result.outcome.value in DEVIATIONS
    }
    assert sorted(deviations) == sorted(
        (EXPECTED[name].ids | set(EXPECTED[name].cannot_judge.split())) & OVERLAPPING
    ), deviations
    assert suite.most_alongside == len(cases)
    assert [result.case.id for result in suite.results] == [case.id for case in cases]
