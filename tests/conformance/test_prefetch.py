"""A slow login does not make a slow run: against the reference server with a 0.5 s login (a
password KDF), sessions are logged in ahead and concurrently, each still a case's own, and the
verdicts are those of the reference server: no FAIL, no ERROR."""

from __future__ import annotations

import time

from conformance.outcomes import Outcome
from conformance.profile import default_profile_path, load_profile
from conformance.runner import run_suite, select_cases
from tests.targets.slow_login import LOGIN_DELAY_S, slow_login_app

# One login at a time, this run took 99 s on the project's 2-core box when quiet (202 logins
# that hash); logged in ahead, 48 s. The bound leaves room for a busy machine and is still
# three quarters of what logins one after another cost.
BOUND_S = 75.0


def test_a_slow_login_target_gets_a_fast_run_with_the_same_verdicts() -> None:
    app = slow_login_app()
    started = time.monotonic()
    suite = run_suite(load_profile(default_profile_path()), app=app)
    took = time.monotonic() - started
    print(
        f"\nfull run against a {LOGIN_DELAY_S:g} s login: {took:.1f} s; {suite.logins_ahead} "
        f"sessions logged in ahead, up to {suite.logins_ahead_in_flight} at once; "
        f"{app.logins} logins hashed"
    )
    counts = suite.counts()
    assert counts[Outcome.FAIL] == counts[Outcome.ERROR] == 0, [
        (r.case.id, r.detail) for r in suite.results if r.outcome in (Outcome.FAIL, Outcome.ERROR)
    ]
    assert suite.logins_ahead >= 50
    assert suite.logins_ahead_in_flight > 1
    assert app.most_in_flight > 1
    assert took < BOUND_S


def test_without_logins_ahead_every_case_logs_in_itself() -> None:
    """The control: the pool is what made the difference (a short selection, to stay quick)."""
    profile = load_profile(default_profile_path())
    cases = select_cases(["TYPE-", "BEARER-CHALLENGE"])
    app = slow_login_app()
    started = time.monotonic()
    suite = run_suite(profile, cases=cases, app=app, log_in_ahead=False)
    alone = time.monotonic() - started
    app = slow_login_app()
    started = time.monotonic()
    ahead = run_suite(profile, cases=cases, app=app)
    together = time.monotonic() - started
    print(f"\n{len(cases)} cases: {alone:.1f} s logging in one by one, {together:.1f} s ahead")
    assert suite.logins_ahead == 0
    assert ahead.logins_ahead > 0
    assert {r.case.id: r.outcome for r in suite.results} == {
        r.case.id: r.outcome for r in ahead.results
    }
    assert together < alone
