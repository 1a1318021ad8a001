"""The suite judges a server with opaque refresh tokens in SQLite (tests/targets/opaque_sqlite/).

The server does everything the seed design asks except rate limiting, which its profile
declares absent. Every verdict is asserted: no FAIL, no ERROR; the cases that must decode or
forge a refresh token skip, saying the token is opaque; the persistence cases run against a
real restart of the process the suite started itself.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from conformance.outcomes import Outcome
from conformance.profile import Profile, load_profile
from conformance.runner import run_suite
from tests.targets.expected import by_case, not_passed, verdicts_of

PROFILE = Path(__file__).resolve().parent / "opaque_sqlite" / "profile.toml"

EXPECTED: dict[Outcome, str] = {
    Outcome.SKIP: """
        JWT-TAMPER-03 JWT-CLAIM-10 JWT-CLAIM-11 TYPE-05 TYPE-07 REFRESH-OK-05
        REFRESH-REJECT-03 REFRESH-REJECT-04 REFRESH-REJECT-05 REFRESH-REJECT-07
        REFRESH-REJECT-08 LIFETIME-CLAIMS-02 LOGOUT-REVOKE-04 ROTATION-GRACE-01
        ROTATION-GRACE-02 ROTATION-GRACE-03 CONC-REFRESH-01 CONC-WORKERS-01 COOKIE-SET-01
        COOKIE-SET-02 COOKIE-ATTR-01 COOKIE-ATTR-02 COOKIE-ATTR-03 COOKIE-ATTR-04
        COOKIE-ATTR-05 COOKIE-LOGOUT-01 COOKIE-CSRF-01 LOGOUT-EXISTS-01
    """,
    Outcome.DECLARED: """
        RATE-LIMIT-01 RATE-LIMIT-02 RATE-LIMIT-03 RATE-LIMIT-04 RATE-PROBE-01 THROTTLE-LOGIN-01
    """,
}
OPAQUE = {"JWT-TAMPER-03", "TYPE-05", "TYPE-07", "REFRESH-REJECT-03", "REFRESH-REJECT-04",
          "REFRESH-REJECT-05", "REFRESH-REJECT-07", "REFRESH-REJECT-08", "LIFETIME-CLAIMS-02",
          "LOGOUT-REVOKE-04"}  # fmt: skip


def _profile(tmp_path: Path) -> Profile:
    """The shipped profile with this interpreter and a database of the test's own."""
    profile = load_profile(PROFILE)
    command = profile.target.command.replace("python ", f"{sys.executable} ", 1).replace(
        "opaque-tokens.db", str(tmp_path / "tokens.db")
    )
    return replace(profile, target=replace(profile.target, command=command))


def test_every_verdict_on_the_opaque_sqlite_server(tmp_path: Path) -> None:
    suite = run_suite(_profile(tmp_path))
    verdicts = verdicts_of(suite)
    assert not_passed(verdicts) == by_case(EXPECTED)
    details = {result.case.id: result.detail for result in suite.results}
    for case_id in OPAQUE:
        assert 'token_format = "opaque"' in details[case_id], case_id
    # The kind separation and the header typ marker (RFC 9068) are judged, not skipped.
    for case_id in ("TYPE-01", "TYPE-02", "TYPE-03", "TYPE-04", "TYPE-06", "JWT-CLAIM-03"):
        assert verdicts[case_id] is Outcome.PASS, case_id
    # Restarted by the suite itself, revocations and rotation state survived.
    assert {verdicts[c] for c in ("PERSIST-01", "PERSIST-02", "PERSIST-03")} == {Outcome.PASS}
    assert "declared absent ([capabilities] rate_limit = false)" in details["RATE-LIMIT-01"]
    assert suite.counts()[Outcome.DECLARED] == 6 and suite.exit_code == 0
