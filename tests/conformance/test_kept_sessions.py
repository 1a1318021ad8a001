"""Sessions logged in before the test user was disabled and enabled again go only to the cases
that prove every session they take (Case.checks_sessions), and a case that deviates after taking
one is decided again on fresh logins (conformance.prefetch, conformance.runner). Behind a slow
login, the user cases of every mutant that breaks one of them, of the one whose disabling
revokes every session, and of the sound reference server get exactly the verdicts of the full
sequential run (tests/conformance/test_mutants.py), and the kept sessions were really used."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.catalogue import CATALOGUE, Case
from conformance.outcomes import Outcome
from conformance.profile import default_profile_path, load_profile
from conformance.runner import run_suite, select_cases
from tests.conformance.mutants.run import deviations, run_behind_slow_login
from tests.conformance.test_mutants import EXPECTED, deviating
from tests.targets.slow_login import slow_login_app

USER_CASES = {case.id for case in CATALOGUE if case.id.startswith("USER-")}
LOGIN_S = 0.15
BREAKING = sorted(name for name, caught in EXPECTED.items() if caught.ids & USER_CASES)


def test_the_user_cases_that_may_take_kept_sessions_prove_them() -> None:
    checking = {case.id for case in CATALOGUE if case.checks_sessions}
    assert checking == {"USER-DISABLED-02", "USER-DISABLED-03", "USER-DISABLED-04"}
    assert "disabling-revokes" in BREAKING


def test_the_sound_server_hands_kept_sessions_to_the_user_cases() -> None:
    profile = load_profile(default_profile_path())
    suite = run_suite(profile, cases=select_cases(["USER-"]), app=slow_login_app(delay=LOGIN_S))
    assert {r.outcome for r in suite.results} == {Outcome.PASS}
    assert suite.logins_kept >= 2


@pytest.mark.parametrize("name", BREAKING)
def test_user_cases_on_kept_sessions_decide_as_on_fresh_ones(name: str, tmp_path: Path) -> None:
    suite = run_behind_slow_login(name, tmp_path, _user_case, LOGIN_S)
    found = deviations(suite)
    assert sorted(found) == sorted(deviating(name) & USER_CASES), found


def _user_case(case: Case) -> bool:
    return case.id in USER_CASES
