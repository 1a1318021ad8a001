"""The suite judges a fastapi-users app with refresh tokens added the usual way
(tests/targets/fastapi_users_jwt/): fastapi-users 15 (JWT strategy), access token in the body,
refresh token in an HttpOnly cookie, the kinds told apart only by their audience.

Every verdict is asserted. Read as that app's team would (README.md beside the app explains
each): the FAILs are real gaps of that design (tokens without jti or iat are identical within a
second; no no-store; 401 without a Bearer challenge; PyJWT accepting a token without exp or with
a string exp; logout that revokes nothing, so a refresh token outlives it); what the profile
owns up to (no rotation, no access revocation, no rate limit, no login throttle) is DECLARED;
and nothing is an ERROR. Two wrong verdicts this target exposed are pinned here: the lifetime
cases judged a token without `iat` (RFC 7519 makes it optional) and REFRESH-OK-06 took a
re-minted but byte-identical refresh token for an echoed one.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from conformance.outcomes import Outcome
from conformance.profile import Hook, Profile, load_profile
from conformance.runner import run_suite, select_cases
from tests.targets.expected import by_case, not_passed, verdicts_of

PROFILE = Path(__file__).resolve().parent / "fastapi_users_jwt" / "profile.toml"

EXPECTED: dict[Outcome, str] = {
    Outcome.FAIL: """
        LOGIN-OK-03 LOGIN-CACHE-01 LOGIN-CACHE-02 BEARER-CHALLENGE-01 BEARER-CHALLENGE-03
        JWT-CLAIM-01 JWT-CLAIM-05 REFRESH-OK-04 LOGOUT-REVOKE-01 CONC-LOGIN-01 CONC-LOGOUT-01
    """,
    Outcome.NON_STRICT: "BEARER-CHALLENGE-04 REFRESH-OK-03 COOKIE-ATTR-04",
    Outcome.SKIP: """
        JWT-CLAIM-04 JWT-CLAIM-10 JWT-CLAIM-11 TYPE-06 REFRESH-OK-07 REFRESH-REJECT-06
        LIFETIME-EXPIRY-01 LIFETIME-EXPIRY-02 LIFETIME-EXPIRY-03 LIFETIME-EXPIRY-04
        LIFETIME-EXPIRES-IN-01 LOGOUT-REVOKE-04 LOGOUT-REVOKE-05 LOGOUT-EXISTS-01
        CONC-WORKERS-01 PERSIST-01 PERSIST-02 PERSIST-03 ROBUST-LOGIN-01 ROBUST-LOGIN-02
        ROBUST-LOGIN-06 ROBUST-REFRESH-02 ROBUST-REFRESH-03
    """,
    Outcome.DECLARED: """
        LOGOUT-REVOKE-02 LOGOUT-REVOKE-03 ROTATION-01 ROTATION-02 ROTATION-REUSE-01
        ROTATION-REUSE-02 ROTATION-REUSE-03 ROTATION-REUSE-04 ROTATION-GRACE-01
        ROTATION-GRACE-02 ROTATION-GRACE-03 CONC-REFRESH-02 RATE-LIMIT-01 RATE-LIMIT-02
        RATE-LIMIT-03 RATE-LIMIT-04 RATE-PROBE-01 THROTTLE-LOGIN-01
    """,
}
# Whole-second tokens: a login and its refresh are identical only when they fall in the same
# second, which a loaded machine may not give (the case then has nothing to report).
TIMING = {"REFRESH-OK-03": {Outcome.NON_STRICT, Outcome.PASS}}


def _profile(tmp_path: Path) -> Profile:
    """The shipped profile with this interpreter and a database of the test's own."""
    profile = load_profile(PROFILE)

    def local(command: str) -> str:
        command = command.replace("python ", f"{sys.executable} ", 1)
        return command.replace("fastapi-users.db", str(tmp_path / "users.db"))

    assert profile.disable_user is not None and profile.enable_user is not None
    return replace(
        profile,
        target=replace(profile.target, command=local(profile.target.command)),
        disable_user=Hook(command=local(profile.disable_user.command)),
        enable_user=Hook(command=local(profile.enable_user.command)),
    )


def test_every_verdict_on_the_fastapi_users_app(tmp_path: Path) -> None:
    suite = run_suite(_profile(tmp_path))
    verdicts = verdicts_of(suite)
    wanted = by_case(EXPECTED)
    for case_id, allowed in TIMING.items():
        assert verdicts[case_id] in allowed, (case_id, verdicts[case_id])
        verdicts.pop(case_id)
        wanted.pop(case_id, None)
    assert not_passed(verdicts) == wanted
    # The kinds are told apart by audience alone; that separation is judged with real tokens
    # and with relabelled ones, and it holds.
    for case_id in ("TYPE-01", "TYPE-02", "TYPE-03", "TYPE-04", "TYPE-05", "TYPE-07"):
        assert verdicts[case_id] is Outcome.PASS, case_id
    # Lifetimes read from exp and the answer's Date (the tokens carry no iat) match the profile.
    for case_id in ("LIFETIME-CLAIMS-01", "LIFETIME-CLAIMS-02", "LIFETIME-CLAIMS-03"):
        assert verdicts[case_id] is Outcome.PASS, case_id
    # A new refresh cookie each time, so REFRESH-OK-06 passes once the second has turned.
    assert verdicts["REFRESH-OK-06"] is Outcome.PASS
    # is_active, flipped in the database, is honoured at login, protected paths and refresh.
    assert {verdicts[f"USER-DISABLED-0{n}"] for n in range(1, 5)} == {Outcome.PASS}
    assert suite.exit_code == 1


def test_a_wrong_declared_lifetime_still_fails_without_iat(tmp_path: Path) -> None:
    """Reading the issue time from Date must not blind the lifetime cases: the same app with a
    profile declaring 30 minutes gets FAIL, naming where the issue time came from."""
    profile = _profile(tmp_path)
    wrong = replace(profile, lifetimes=replace(profile.lifetimes, access=1800))
    suite = run_suite(wrong, cases=select_cases(["LIFETIME-CLAIMS-01", "LIFETIME-CLAIMS-03"]))
    for result in suite.results:
        assert result.outcome is Outcome.FAIL, (result.case.id, result.detail)
        assert "exp - Date = 1800 s (declared)" in result.detail, result.detail
