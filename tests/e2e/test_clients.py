"""Proof that the client suite's verdicts are right, on clients whose defects we know.

Every client runs the whole catalogue, and the test asserts the exact set of cases that did not
pass for a reason of the client's own: FAIL, NON-STRICT, and SKIPs whose premise failed (a SKIP
because a case does not apply to the profile, e.g. the cookie case in body mode, is not listed).
No run may end in an ERROR.

- Our frontend passes in both schemes and in cookie mode.
- A plain-fetch client written to be right (no Vue, no Axios) passes, in both modes.
- The seed's request.js as published (both schemes) fails exactly the cases its known defects
  break: waiters that hang when the refresh fails (scheme 1), a late 401 that starts another
  refresh, retries without a limit (scheme 2) or that deadlock (scheme 1), a logout that never
  tells the server, the old refresh token kept after rotation, any refresh error logging out, a
  refresh without a timeout.
- Each faulty variant of our frontend (frontend/src/faulty/) fails exactly the cases its code
  breaks. Where a variant fails more than the rule it was written to break, the comment says
  why that verdict is right (every such case was read against its trace).

Every run writes its reports to reports/e2e/clients/<name>/ and its closing line to
reports/e2e/clients/verdicts.txt, the figures to measurements.json beside it. `nox -s e2e` runs
these tests on several workers (pytest -n): each run has its own API and Chromium.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conformance.outcomes import Outcome
from conformance.reports import write_all
from conformance.reports.console import closing_line
from conformance.runner import SuiteResult
from e2e.catalogue import CLIENT_CATALOGUE
from e2e.frontend_build import FRONTEND
from e2e.profile import ClientProfile, load_client_profile
from e2e.runner import ClientRun, run_client_suite
from tests.e2e.conftest import CLIENTS, faulty_profile, frontend_profile

pytestmark = pytest.mark.slow

REPORTS = Path(__file__).resolve().parents[2] / "reports" / "e2e" / "clients"

# The seed's defects, one cause each (see tests/e2e/clients/seed/request.js). Both schemes share
# the token handling (rotation, logout), the error handling and the lack of a tab lock:
SEED_COMMON = {
    # a 401 that arrives after the refresh finished finds the flag/promise reset: refreshes again
    "CLIENT-REFRESH-ONCE-03": Outcome.FAIL,
    # catch → clearToken + router.push('/login') for any refresh error, 5xx and network included
    # (scheme 1 leaves the queued calls pending first: the same cases fail on settling)
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
SEED_PROMISE = SEED_COMMON | {
    # the retry is not marked: its 401 refreshes again (a loop, cut here by reuse detection)
    "CLIENT-RETRY-ONCE-02": Outcome.FAIL,
    # a late 401 after the refusal: `throw` inside the async executor, the promise never settles
    "CLIENT-REFRESH-FAIL-04": Outcome.FAIL,
}

#: Every refused refresh (401, 403, an expired refresh token, and a late 401 after it).
_ALL_REFUSALS = {f"CLIENT-REFRESH-FAIL-0{n}": Outcome.FAIL for n in range(1, 5)}
#: Every transient refresh error (500, 503, 429, a network error).
_ALL_TRANSIENT = {f"CLIENT-REFRESH-TRANSIENT-0{n}": Outcome.FAIL for n in range(1, 5)}

#: Faulty variant -> the cases it fails on the whole catalogue (all others pass).
VARIANTS: dict[str, dict[str, Outcome]] = {
    # Every 401 refreshes on its own. Beyond the single-flight cases (ONCE-01/02, and SLOW-01,
    # whose calls during the slow refresh start their own): with rotation, all but one refresh
    # spend a used token, reuse detection revokes the session and the retries fail (RETRY-ONCE-01,
    # cause "no single-flight refresh"); ONCE-03's premise (the first calls answered) fails, so
    # it skips; two tabs make 10 refreshes. Its refused refreshes are one per call, all sent
    # before the refusal and none after it: the FAIL cases pass (no loop, every waiter settles).
    "storm": {
        "CLIENT-REFRESH-ONCE-01": Outcome.FAIL,
        "CLIENT-REFRESH-ONCE-02": Outcome.FAIL,
        "CLIENT-REFRESH-ONCE-03": Outcome.SKIP,
        "CLIENT-RETRY-ONCE-01": Outcome.FAIL,
        "CLIENT-REFRESH-SLOW-01": Outcome.FAIL,
        "CLIENT-TABS-01": Outcome.NON_STRICT,
    },
    # The seed's scheme 1 queue: waiters hang whenever the refresh fails, refused or transient,
    # and when it times out (HANG-01: its own 10 s timeout ends the refresh, not the queue);
    # like the seed it has no stale-token check (a late 401 refreshes again) and no tab lock.
    "queue-leak": {
        "CLIENT-REFRESH-ONCE-03": Outcome.FAIL,
        **_ALL_REFUSALS,
        **_ALL_TRANSIENT,
        "CLIENT-REFRESH-HANG-01": Outcome.NON_STRICT,
        "CLIENT-TABS-01": Outcome.NON_STRICT,
    },
    # The retry is not marked: a route refusing the new token loops through /refresh.
    "retry-loop": {"CLIENT-RETRY-ONCE-02": Outcome.FAIL},
    # The refresh failure rejects the calls but leaves the user on the dashboard: every refusal.
    "no-redirect": _ALL_REFUSALS,
    # The seed's scheme 1 as published: a 401 on the first retry queues behind itself; a failed
    # refresh drops the queue (`queue = []`) without settling it, refused, transient or timed
    # out; no stale-token check, no tab lock.
    "retry-deadlock": {
        "CLIENT-REFRESH-ONCE-03": Outcome.FAIL,
        "CLIENT-RETRY-ONCE-02": Outcome.FAIL,
        **_ALL_REFUSALS,
        **_ALL_TRANSIENT,
        "CLIENT-REFRESH-HANG-01": Outcome.NON_STRICT,
        "CLIENT-TABS-01": Outcome.NON_STRICT,
    },
    # Single flight per tab only. It bypasses the locked refresh (src/api/session.ts), which is
    # also where a stale 401 finds the token another refresh already stored.
    "no-tab-lock": {
        "CLIENT-REFRESH-ONCE-03": Outcome.FAIL,
        "CLIENT-TABS-01": Outcome.NON_STRICT,
    },
    # /refresh through the intercepted client: a 401 from /refresh (FAIL-01, -04, and -03, where
    # the API itself refuses the expired refresh token) asks for a refresh and waits for itself;
    # a 403 from /refresh is classified by the interceptor as "forbidden, keep the session", so
    # the session does not end (FAIL-02, no login view). Bypasses the locked refresh too (no
    # stale-token check, no tab lock).
    "refresh-through-interceptor": {
        "CLIENT-REFRESH-ONCE-03": Outcome.FAIL,
        **_ALL_REFUSALS,
        "CLIENT-TABS-01": Outcome.NON_STRICT,
    },
}


#: A client that never refreshes (tests/e2e/clients/norefresh/: a 401 clears the tokens and
#: loads the login page). The single-flight cases report it, once per burst size; every case that
#: relies on a refresh reports its premise, naming CLIENT-REFRESH-ONCE-01, instead of an ERROR or a
#: FAIL about something else (before: 15 ERRORs, HANG-01 among them, a FAIL of RELOAD-01 and a
#: PASS of RETRY-ONCE-02 that proved nothing). RELOAD-01 and TABS-01 ask a session of their own
#: whether the app refreshes at all before they call it a premise. Where tokens go (TOKEN-*) and
#: logout (LOGOUT-*) do not need a refresh, and pass.
NEVER_REFRESHES = {
    "CLIENT-REFRESH-ONCE-01": Outcome.FAIL,
    "CLIENT-REFRESH-ONCE-02": Outcome.FAIL,
} | {
    case_id: Outcome.SKIP
    for case_id in (
        "CLIENT-REFRESH-ONCE-03",
        "CLIENT-RETRY-ONCE-01",
        "CLIENT-RETRY-ONCE-02",
        *_ALL_REFUSALS,
        *_ALL_TRANSIENT,
        "CLIENT-REFRESH-SLOW-01",
        "CLIENT-REFRESH-HANG-01",
        "CLIENT-ROTATION-01",
        "CLIENT-RELOAD-01",
        "CLIENT-TABS-01",
    )
}


def run_and_record(name: str, profile: ClientProfile) -> dict[str, Outcome]:
    """Run the whole catalogue, write its reports, and return what did not pass by case ID
    (deviations, and SKIPs of cases that apply to the profile: a premise that failed)."""
    return run_and_record_suite(name, profile)[0]


def run_and_record_suite(
    name: str, profile: ClientProfile
) -> tuple[dict[str, Outcome], SuiteResult]:
    """`run_and_record`, with the run's results."""
    run = ClientRun()
    folder = REPORTS / name
    suite = run_client_suite(profile, artifacts=folder / "cases", run=run)
    write_all(suite, folder)
    (folder / "measurements.json").write_text(json.dumps(run.measurements, indent=2) + "\n")
    with (REPORTS / "verdicts.txt").open("a", encoding="utf-8") as verdicts:
        verdicts.write(f"{name}: {closing_line(suite)}; measured {run.measurements}\n")
    assert [r.case.id for r in suite.results] == [c.id for c in CLIENT_CATALOGUE]
    errors = {r.case.id: r.detail for r in suite.results if r.outcome is Outcome.ERROR}
    assert not errors, f"the suite could not decide on {name}: {errors}"
    applies = {c.id: c.applies(profile) is None for c in CLIENT_CATALOGUE}
    return {
        r.case.id: r.outcome
        for r in suite.results
        if r.deviated or (r.outcome is Outcome.SKIP and applies[r.case.id])
    }, suite


@pytest.mark.parametrize("name", ["frontend-queue", "frontend-promise", "frontend-cookie"])
def test_our_frontend_passes(name: str, frontend_dist: Path) -> None:
    assert run_and_record(name, frontend_profile(name)) == {}


@pytest.mark.parametrize("profile_name", ["profile.toml", "profile-cookie.toml"])
def test_the_plain_fetch_client_passes(profile_name: str) -> None:
    profile = load_client_profile(CLIENTS / "plainfetch" / profile_name)
    name = "plainfetch" + ("-cookie" if "cookie" in profile_name else "")
    assert run_and_record(name, profile) == {}


@pytest.mark.parametrize(
    ("profile_name", "expected"),
    [("profile.toml", SEED_QUEUE), ("profile-promise.toml", SEED_PROMISE)],
    ids=["queue", "promise"],
)
def test_the_seed_as_published_fails_what_its_defects_break(
    seed_client: Path, profile_name: str, expected: dict[str, Outcome]
) -> None:
    profile = load_client_profile(seed_client / profile_name)
    name = "seed-" + ("promise" if "promise" in profile_name else "queue")
    assert run_and_record(name, profile) == expected


def test_a_client_that_never_refreshes_is_reported_once_and_named_by_every_premise() -> None:
    profile = load_client_profile(CLIENTS / "norefresh" / "profile.toml")
    deviations, suite = run_and_record_suite("norefresh", profile)
    assert deviations == NEVER_REFRESHES
    once = next(r for r in suite.results if r.case.id == "CLIENT-REFRESH-ONCE-01")
    assert "no /refresh at all" in once.detail and once.cause.startswith("never refreshes")
    skipped = [r for r in suite.results if NEVER_REFRESHES.get(r.case.id) is Outcome.SKIP]
    for result in skipped:
        assert result.detail.startswith("premise not met: "), (result.case.id, result.detail)
        assert "covered by CLIENT-REFRESH-ONCE-01" in result.detail, (result.case.id, result.detail)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_each_faulty_variant_fails_exactly_its_cases(faulty_dist: Path, variant: str) -> None:
    deviations = run_and_record(f"faulty-{variant}", faulty_profile(faulty_dist, variant))
    assert deviations == VARIANTS[variant]


def test_every_variant_of_the_faulty_build_is_proven() -> None:
    source = (FRONTEND / "src" / "faulty" / "index.ts").read_text()
    table = source[source.index("const VARIANTS = {") : source.index("} satisfies")]
    declared = set(re.findall(r"^\s+'?([a-z-]+)'?: \w+Recovery,$", table, re.MULTILINE))
    assert declared, "found no variants in src/faulty/index.ts"
    assert declared == set(VARIANTS), f"declared {sorted(declared)}, proven {sorted(VARIANTS)}"
