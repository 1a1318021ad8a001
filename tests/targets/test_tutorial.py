"""The suite judges the two-secret Express tutorial server (tests/targets/node/tutorial/) fairly.

Every verdict is asserted. Read as the server's author would: the FAILs are real gaps of that
design (no jti, no Cache-Control, no Bearer challenge, `split(" ")[1]` taking any scheme, tokens
without exp accepted, a refresh token that never expires, no throttle on failed logins); the
404s of its user lookup are NON-STRICT, not FAIL; forged refresh tokens are moot because it
compares them as exact strings; what it declares absent (revocation of access tokens, rotation,
persistence, rate limit) is DECLARED; and nothing is an ERROR.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conformance.outcomes import Outcome
from conformance.profile import load_profile
from conformance.runner import run_suite, select_cases
from tests.targets.expected import by_case, not_passed, verdicts_of

PROFILE = Path(__file__).resolve().parent / "node" / "tutorial" / "profile.toml"

EXPECTED: dict[Outcome, str] = {
    Outcome.FAIL: """
        LOGIN-OK-03 CONC-LOGIN-01 LOGIN-CACHE-01 REFRESH-OK-04
        BEARER-CHALLENGE-01 BEARER-CHALLENGE-03 BEARER-SCHEME-01 BEARER-MALFORMED-02
        JWT-FORMAT-05 JWT-CLAIM-01 JWT-CLAIM-06 LIFETIME-CLAIMS-02 JWT-ALG-07 LOGIN-CACHE-02
        THROTTLE-LOGIN-01
    """,
    Outcome.NON_STRICT: """
        BEARER-CHALLENGE-04 JWT-FORMAT-03 JWT-CLAIM-02 JWT-CLAIM-09
        JWT-TIME-06 REFRESH-OK-03 LIFETIME-RANGE-01
    """,
    Outcome.SKIP: """
        LOGIN-FIELDS-01 JWT-TAMPER-03 JWT-CLAIM-03 JWT-CLAIM-04 JWT-CLAIM-10 JWT-CLAIM-11
        TYPE-03 TYPE-05 TYPE-06 TYPE-07 REFRESH-OK-06 REFRESH-OK-07 REFRESH-REJECT-05
        REFRESH-REJECT-06
        REFRESH-REJECT-07 REFRESH-REJECT-08 LIFETIME-EXPIRY-01 LIFETIME-EXPIRY-02
        LIFETIME-EXPIRY-03 LIFETIME-EXPIRY-04 LIFETIME-EXPIRES-IN-01 LOGOUT-REVOKE-04
        LOGOUT-REVOKE-05 CONC-WORKERS-01 COOKIE-SET-01 COOKIE-SET-02 COOKIE-ATTR-01
        COOKIE-ATTR-02 COOKIE-ATTR-03 COOKIE-ATTR-04 COOKIE-ATTR-05 COOKIE-LOGOUT-01 COOKIE-CSRF-01
        USER-DISABLED-01 USER-DISABLED-02 USER-DISABLED-03 USER-DISABLED-04 LOGOUT-EXISTS-01
    """,
    Outcome.DECLARED: """
        LOGOUT-REVOKE-02 LOGOUT-REVOKE-03 ROTATION-01 ROTATION-02 ROTATION-REUSE-01
        ROTATION-REUSE-02 ROTATION-REUSE-03 ROTATION-REUSE-04 ROTATION-GRACE-01
        ROTATION-GRACE-02 ROTATION-GRACE-03 CONC-REFRESH-02 PERSIST-01 PERSIST-02 PERSIST-03
        RATE-LIMIT-01 RATE-LIMIT-02 RATE-LIMIT-03 RATE-LIMIT-04 RATE-PROBE-01
    """,
}
# Forged refresh tokens never get in: the server looks them up as exact strings.
BYTE_EXACT = {"TYPE-05", "REFRESH-REJECT-05", "REFRESH-REJECT-07", "REFRESH-REJECT-08",
              "LOGOUT-REVOKE-04"}  # fmt: skip
# No type claim: kinds are told apart by key, so the marker cases do not apply.
KEYED_KINDS = {"JWT-TAMPER-03", "JWT-CLAIM-03", "TYPE-03", "TYPE-07"}


def test_every_verdict_on_the_tutorial_server(node_targets: Path) -> None:
    suite = run_suite(load_profile(PROFILE))
    verdicts = verdicts_of(suite)
    assert not_passed(verdicts) == by_case(EXPECTED)
    details = {result.case.id: result.detail for result in suite.results}
    for case_id in BYTE_EXACT:
        assert "accepts only the exact refresh tokens it issued" in details[case_id], case_id
    for case_id in KEYED_KINDS:
        assert 'kind_by = "key"' in details[case_id], case_id
    assert "kind_by" in details["TYPE-06"]
    # The separation the server really has is judged with real tokens and both keys.
    assert {verdicts[c] for c in ("TYPE-01", "TYPE-02", "TYPE-04")} == {Outcome.PASS}
    # The user lookup's 404 for an unknown user is a declared habit: a plain pass.
    assert verdicts["JWT-CLAIM-08"] is Outcome.PASS
    # One cause, one finding: the missing jti is listed once with the cases it breaks.
    causes = {cause: {r.case.id for r in results} for cause, results in suite.by_cause().items()}
    assert {"LOGIN-OK-03", "CONC-LOGIN-01", "REFRESH-OK-03"} in causes.values()
    assert suite.exit_code == 1


def test_a_wrong_refresh_key_is_blamed_not_taken_for_byte_exactness(node_targets: Path) -> None:
    profile = load_profile(PROFILE)
    assert profile.refresh_signing is not None
    wrong = replace(profile.refresh_signing, secret="not-the-tutorial-refresh-secret-0123456789")
    suite = run_suite(
        replace(profile, refresh_signing=wrong), cases=select_cases(["REFRESH-REJECT-05"])
    )
    (result,) = suite.results
    assert result.outcome is Outcome.ERROR
    assert "does not check out with the profile's [signing.refresh] key" in result.detail
    assert result.cause.startswith("the profile's [signing.refresh] key does not sign refresh")
