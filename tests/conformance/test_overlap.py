"""Cases that declare `overlaps` run alongside each other against a slow login (conformance.
runner), ahead of their place in the catalogue: their verdicts must be the ones they get one by
one. Every mutant whose fault one of them is built to catch, or fails as a consequence, runs
here behind a slow login with those cases selected; the cases must deviate exactly as in the
mutant's full sequential run (tests/conformance/test_mutants.py), and must really have run
alongside each other."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.catalogue import CATALOGUE, Case
from conformance.runner import OVERLAP, OVERLAP_LOGIN_S
from tests.conformance.mutants.run import deviations, run_behind_slow_login
from tests.conformance.test_mutants import EXPECTED, deviating

OVERLAPPING = {case.id for case in CATALOGUE if case.overlaps}
# Slow enough to count as slow (OVERLAP_LOGIN_S), quick enough to keep the test short.
LOGIN_S = 0.15
CATCHING = sorted(name for name, caught in EXPECTED.items() if caught.ids & OVERLAPPING)


def test_the_overlapping_cases_fit_one_group_and_the_mutants_cover_them() -> None:
    assert LOGIN_S >= OVERLAP_LOGIN_S
    assert len(OVERLAPPING) <= OVERLAP
    caught = {case for name in CATCHING for case in EXPECTED[name].targets.split()}
    assert sorted(OVERLAPPING - caught) == []


def _overlaps(case: Case) -> bool:
    return case.overlaps


@pytest.mark.parametrize("name", CATCHING)
def test_cases_run_alongside_each_other_decide_as_one_by_one(name: str, tmp_path: Path) -> None:
    suite = run_behind_slow_login(name, tmp_path, _overlaps, LOGIN_S)
    found = deviations(suite)
    assert sorted(found) == sorted(deviating(name) & OVERLAPPING), found
    assert suite.most_alongside == len(suite.results)
