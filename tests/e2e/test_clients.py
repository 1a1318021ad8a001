"""Proof that the client suite's verdicts are right, on clients whose defects we know.

- Our frontend passes in both schemes (the second on SCHEME_CASES), and in cookie mode.
- A plain-fetch client written to be right (no Vue, no Axios) passes, in both modes.
- The seed's request.js as published (both schemes, the second on SCHEME_CASES) fails exactly
  the cases its known defects break: waiters that hang when the refresh fails (scheme 1), a late
  401 that starts another refresh, retries without a limit (scheme 2) or that deadlock (scheme
  1), a logout that never tells the server, the old refresh token kept after rotation, any
  refresh error logging out, a refresh without a timeout.
- Each faulty variant of our frontend (frontend/src/faulty/) fails exactly the cases its code
  breaks, among RECOVERY_CASES: the variants differ from the correct client only in how a failed
  response is recovered, so they run one case per recovery rule (single flight, a late 401, the
  retry limit, settling on refusal and after it, transient errors, tabs); the token-handling
  cases do not reach that code.
- In cookie mode (our frontend, the plain-fetch client) the cases run are COOKIE_CASES: those
  the refresh token's carrier can change; the rest are the same code as in body mode.

Every run writes its reports to reports/e2e/clients/<name>/ and its closing line to
reports/e2e/clients/verdicts.txt, the figures to measurements.json beside it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conformance.outcomes import Outcome
from conformance.reports import write_all
from conformance.reports.console import closing_line
from e2e.catalogue import select_client_cases
from e2e.frontend_build import FRONTEND
from e2e.profile import ClientProfile, load_client_profile
from e2e.runner import ClientRun, run_client_suite
from tests.e2e.conftest import CLIENTS, faulty_profile, frontend_profile

pytestmark = pytest.mark.slow

REPORTS = Path(__file__).resolve().parents[2] / "reports" / "e2e" / "clients"
RECOVERY_CASES = (
    "CLIENT-REFRESH-ONCE-01",
    "CLIENT-REFRESH-ONCE-03",
    "CLIENT-RETRY-ONCE",
    "CLIENT-REFRESH-FAIL-01",
    "CLIENT-REFRESH-FAIL-04",
    "CLIENT-REFRESH-TRANSIENT-01",
    "CLIENT-REFRESH-TRANSIENT-04",
    "CLIENT-TABS-01",
)
#: The second scheme (方案二) differs from the first only in how waiting calls share the refresh:
#: its runs take the cases about refreshing; the token-handling ones run the same code.
SCHEME_CASES = (
    "CLIENT-REFRESH-ONCE",
    "CLIENT-RETRY",
    "CLIENT-REFRESH-FAIL",
    "CLIENT-REFRESH-TRANSIENT",
    "CLIENT-REFRESH-SLOW",
    "CLIENT-TABS",
)
COOKIE_CASES = (
    "CLIENT-REFRESH-ONCE-01",
    "CLIENT-REFRESH-FAIL-03",
    "CLIENT-REFRESH-FAIL-04",
    "CLIENT-REFRESH-TRANSIENT-01",
    "CLIENT-TOKEN",
    "CLIENT-LOGOUT",
    "CLIENT-RELOAD",
    "CLIENT-TABS",
    "CLIENT-COOKIE",
)

# The seed's defects, one cause each (see tests/e2e/clients/seed/request.js):
SEED_COMMON = {
    # a 401 that arrives after the refresh finished finds the flag/promise reset: refreshes again
    "CLIENT-REFRESH-ONCE-03": Outcome.FAIL,
    # catch → clearToken + router.push('/login') for any refresh error, 5xx and network included
    "CLIENT-REFRESH-TRANSIENT-01": Outcome.FAIL,
    "CLIENT-REFRESH-TRANSIENT-02": Outcome.FAIL,
    "CLIENT-REFRESH-TRANSIENT-03": Outcome.FAIL,
    "CLIENT-REFRESH-TRANSIENT-04": Outcome.FAIL,
    # setToken(access_token, refreshToken): the rotated refresh token is dropped
    "CLIENT-ROTATION-01": Outcome.FAIL,
    # logout() only clears localStorage
    "CLIENT-LOGOUT-01": Outcome.FAIL,
    # no coordination between tabs
    "CLIENT-TABS-01": Outcome.NON_STRICT,
    # the refresh goes through bare axios, without the instance's 10 s timeout
    "CLIENT-REFRESH-HANG-01": Outcome.NON_STRICT,
}
SEED_QUEUE = SEED_COMMON | {
    # the retry runs while isRefreshing is still set: its 401 queues behind itself
    "CLIENT-RETRY-ONCE-02": Outcome.FAIL,
    # on refresh failure the queued requests are never released
    "CLIENT-REFRESH-FAIL-01": Outcome.FAIL,
    "CLIENT-REFRESH-FAIL-02": Outcome.FAIL,
    "CLIENT-REFRESH-FAIL-03": Outcome.FAIL,
    "CLIENT-REFRESH-FAIL-04": Outcome.FAIL,
}
SEED_PROMISE = {
    case_id: outcome for case_id, outcome in SEED_COMMON.items() if case_id.startswith(SCHEME_CASES)
} | {
    # the retry is not marked: its 401 refreshes again (a loop, cut here by reuse detection)
    "CLIENT-RETRY-ONCE-02": Outcome.FAIL,
    # a late 401 after the refusal: `throw` inside the async executor, the promise never settles
    "CLIENT-REFRESH-FAIL-04": Outcome.FAIL,
}

#: Faulty variant -> the cases it must fail (all run cases not listed must pass).
VARIANTS: dict[str, dict[str, Outcome]] = {
    # Every 401 refreshes on its own: with rotation, all but one spend a used token, reuse
    # detection revokes the session, and even the burst's retries fail.
    "storm": {
        "CLIENT-REFRESH-ONCE-01": Outcome.FAIL,
        "CLIENT-RETRY-ONCE-01": Outcome.FAIL,
        "CLIENT-REFRESH-FAIL-01": Outcome.FAIL,
        "CLIENT-REFRESH-FAIL-04": Outcome.FAIL,
        "CLIENT-TABS-01": Outcome.NON_STRICT,
    },
    # The seed's scheme 1 queue: waiters hang whenever the refresh fails (refused or transient);
    # like the seed it has no stale-token check (a late 401 refreshes again) and no tab lock.
    "queue-leak": {
        "CLIENT-REFRESH-ONCE-03": Outcome.FAIL,
        "CLIENT-REFRESH-FAIL-01": Outcome.FAIL,
        "CLIENT-REFRESH-FAIL-04": Outcome.FAIL,
        "CLIENT-REFRESH-TRANSIENT-01": Outcome.FAIL,
        "CLIENT-REFRESH-TRANSIENT-04": Outcome.FAIL,
        "CLIENT-TABS-01": Outcome.NON_STRICT,
    },
    # The retry is not marked: a route refusing the new token loops through /refresh.
    "retry-loop": {"CLIENT-RETRY-ONCE-02": Outcome.FAIL},
    # The refresh failure rejects the calls but leaves the user on the dashboard.
    "no-redirect": {
        "CLIENT-REFRESH-FAIL-01": Outcome.FAIL,
        "CLIENT-REFRESH-FAIL-04": Outcome.FAIL,
    },
    # The seed's scheme 1 as published: a 401 on the first retry queues behind itself; a failed
    # refresh drops the queue (`queue = []`) without settling it; no stale-token check, no tab lock.
    "retry-deadlock": {
        "CLIENT-REFRESH-ONCE-03": Outcome.FAIL,
        "CLIENT-RETRY-ONCE-02": Outcome.FAIL,
        "CLIENT-REFRESH-FAIL-01": Outcome.FAIL,
        "CLIENT-REFRESH-FAIL-04": Outcome.FAIL,
        "CLIENT-REFRESH-TRANSIENT-01": Outcome.FAIL,
        "CLIENT-REFRESH-TRANSIENT-04": Outcome.FAIL,
        "CLIENT-TABS-01": Outcome.NON_STRICT,
    },
    # Single flight per tab only. It bypasses the locked refresh (src/api/session.ts), which is
    # also where a stale 401 finds the token another refresh already stored.
    "no-tab-lock": {
        "CLIENT-REFRESH-ONCE-03": Outcome.FAIL,
        "CLIENT-TABS-01": Outcome.NON_STRICT,
    },
    # /refresh through the intercepted client: its own 401 waits for itself. Bypasses the locked
    # refresh too (no stale-token check, no tab lock).
    "refresh-through-interceptor": {
        "CLIENT-REFRESH-ONCE-03": Outcome.FAIL,
        "CLIENT-REFRESH-FAIL-01": Outcome.FAIL,
        "CLIENT-REFRESH-FAIL-04": Outcome.FAIL,
        "CLIENT-TABS-01": Outcome.NON_STRICT,
    },
}


def run_and_record(
    name: str, profile: ClientProfile, prefixes: tuple[str, ...] = ()
) -> dict[str, Outcome]:
    """Run the suite, write its reports, and return the deviations by case ID."""
    run = ClientRun()
    folder = REPORTS / name
    suite = run_client_suite(
        profile, cases=select_client_cases(prefixes), artifacts=folder / "cases", run=run
    )
    write_all(suite, folder)
    (folder / "measurements.json").write_text(json.dumps(run.measurements, indent=2) + "\n")
    with (REPORTS / "verdicts.txt").open("a", encoding="utf-8") as verdicts:
        verdicts.write(f"{name}: {closing_line(suite)}; measured {run.measurements}\n")
    errors = {r.case.id: r.detail for r in suite.results if r.outcome is Outcome.ERROR}
    assert not errors, f"the suite could not decide on {name}: {errors}"
    return {r.case.id: r.outcome for r in suite.results if r.deviated}


@pytest.mark.parametrize("name", ["frontend-queue", "frontend-promise", "frontend-cookie"])
def test_our_frontend_passes(name: str, frontend_dist: Path) -> None:
    selections = {"frontend-cookie": COOKIE_CASES, "frontend-promise": SCHEME_CASES}
    cases = selections.get(name, ())
    assert run_and_record(name, frontend_profile(name), cases) == {}


@pytest.mark.parametrize("profile_name", ["profile.toml", "profile-cookie.toml"])
def test_the_plain_fetch_client_passes(profile_name: str) -> None:
    profile = load_client_profile(CLIENTS / "plainfetch" / profile_name)
    cookie = "cookie" in profile_name
    name = "plainfetch" + ("-cookie" if cookie else "")
    assert run_and_record(name, profile, COOKIE_CASES if cookie else ()) == {}


@pytest.mark.parametrize(
    ("profile_name", "expected"),
    [("profile.toml", SEED_QUEUE), ("profile-promise.toml", SEED_PROMISE)],
    ids=["queue", "promise"],
)
def test_the_seed_as_published_fails_what_its_defects_break(
    seed_client: Path, profile_name: str, expected: dict[str, Outcome]
) -> None:
    profile = load_client_profile(seed_client / profile_name)
    promise = "promise" in profile_name
    name = "seed-" + ("promise" if promise else "queue")
    assert run_and_record(name, profile, SCHEME_CASES if promise else ()) == expected


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_each_faulty_variant_fails_exactly_its_cases(faulty_dist: Path, variant: str) -> None:
    deviations = run_and_record(
        f"faulty-{variant}", faulty_profile(faulty_dist, variant), RECOVERY_CASES
    )
    assert deviations == VARIANTS[variant]


def test_every_variant_of_the_faulty_build_is_proven() -> None:
    source = (FRONTEND / "src" / "faulty" / "index.ts").read_text()
    table = source[source.index("const VARIANTS = {") : source.index("} satisfies")]
    declared = set(re.findall(r"^\s+'?([a-z-]+)'?: \w+Recovery,$", table, re.MULTILINE))
    assert declared, "found no variants in src/faulty/index.ts"
    assert declared == set(VARIANTS), f"declared {sorted(declared)}, proven {sorted(VARIANTS)}"
