"""The suite judges a Fastify 5 API on @fastify/jwt 10 written from the plugin's README
(tests/targets/node/fastify_jwt/): ES256 keys, the refresh token in an HttpOnly cookie read
with `jwtVerify({ onlyCookie: true })`, both kinds signed with one key and the same claims, and
logout filling the README's `trusted` denylist.

Every verdict is asserted. Read as that API's team would (README.md beside the server explains
each): @fastify/jwt hands fast-jwt's errors other than "expired" and "invalid signature" to
Fastify, which answers 500 to a token with `alg: none`, a foreign algorithm, a future `nbf`, a
string `exp` or an unknown `crit`; access and refresh tokens are interchangeable (TYPE-01,
TYPE-02, no marker: TYPE-03), and the cases that vary a marker the tokens do not carry skip on
TYPE-03's premise instead of failing seven times for one defect; the `cookie` option makes
`/me` fall back to the refresh cookie when no Authorization header is sent, so the cookie the
browser attaches by itself opens the API (COOKIE-CSRF-01); `exp` is optional and 1e400 is
"never"; the protected route trusts the payload without a user lookup; a refresh racing logout
mints a session the denylist never heard of. What the profile owns up to (no rotation, no
persistence, no login throttle) is DECLARED, and nothing is an ERROR.
"""

from __future__ import annotations

from pathlib import Path

from conformance.outcomes import Outcome
from conformance.profile import load_profile
from conformance.runner import run_suite
from tests.targets.expected import by_case, not_passed, verdicts_of

PROFILE = Path(__file__).resolve().parent / "node" / "fastify_jwt" / "profile.toml"

# A 500 answered to a bad token the library does not map to 401.
CRASHES = """
    JWT-ALG-02 JWT-ALG-03 JWT-ALG-04 JWT-ALG-05 JWT-ALG-06 JWT-FORMAT-03 JWT-FORMAT-05
    JWT-CLAIM-05 JWT-TIME-03 JWT-TIME-04 REFRESH-REJECT-08
"""
EXPECTED: dict[Outcome, str] = {
    Outcome.FAIL: CRASHES
    + """
        LOGIN-CACHE-01 LOGIN-CACHE-02 BEARER-CHALLENGE-01 BEARER-CHALLENGE-03 JWT-CLAIM-01
        JWT-CLAIM-02 JWT-CLAIM-04 JWT-CLAIM-06 JWT-CLAIM-08 JWT-CLAIM-09 TYPE-01 TYPE-02 TYPE-03
        REFRESH-OK-04 CONC-LOGOUT-01 COOKIE-CSRF-01
    """,
    Outcome.NON_STRICT: """
        BEARER-CHALLENGE-04 JWT-TIME-06 LOGOUT-REVOKE-03 COOKIE-ATTR-04 RATE-PROBE-01
    """,
    Outcome.SKIP: """
        LOGIN-FIELDS-01 JWT-ALG-07 JWT-KEY-01 JWT-CLAIM-03 JWT-CLAIM-10 JWT-CLAIM-11 TYPE-04
        TYPE-05 TYPE-06 TYPE-07 REFRESH-OK-07 REFRESH-REJECT-06 LIFETIME-EXPIRY-01
        LIFETIME-EXPIRY-02 LIFETIME-EXPIRY-03 LIFETIME-EXPIRY-04 LIFETIME-EXPIRES-IN-01
        LOGOUT-REVOKE-05 LOGOUT-EXISTS-01 CONC-WORKERS-01 USER-DISABLED-01 USER-DISABLED-02
        USER-DISABLED-03 USER-DISABLED-04 ROBUST-REFRESH-02 ROBUST-REFRESH-03 RATE-LIMIT-01
        RATE-LIMIT-02 RATE-LIMIT-03 RATE-LIMIT-04
    """,
    Outcome.DECLARED: """
        ROTATION-01 ROTATION-02 ROTATION-REUSE-01 ROTATION-REUSE-02 ROTATION-REUSE-03
        ROTATION-REUSE-04 ROTATION-GRACE-01 ROTATION-GRACE-02 ROTATION-GRACE-03 CONC-REFRESH-02
        PERSIST-01 PERSIST-02 PERSIST-03 THROTTLE-LOGIN-01
    """,
}
# The marker-varying cases: the tokens carry no marker, so they stand on TYPE-03's premise.
ON_MARKER_PREMISE = {"JWT-CLAIM-03", "TYPE-04", "TYPE-05", "TYPE-06", "TYPE-07"}


def test_every_verdict_on_the_fastify_jwt_api(node_targets: Path) -> None:
    suite = run_suite(load_profile(PROFILE))
    verdicts = verdicts_of(suite)
    assert not_passed(verdicts) == by_case(EXPECTED)
    details = {result.case.id: result.detail for result in suite.results}
    for case_id in CRASHES.split():
        assert "got 500" in details[case_id] and "FAST_JWT_" in details[case_id], case_id
    for case_id in ON_MARKER_PREMISE:
        assert "premise not met" in details[case_id], case_id
        assert "covered by TYPE-03" in details[case_id], case_id
    # The denylist logout does revoke what it is handed, and the refresh endpoint finds the
    # user by the claim the profile names.
    for case_id in ("LOGOUT-REVOKE-01", "LOGOUT-REVOKE-02", "REFRESH-REJECT-07"):
        assert verdicts[case_id] is Outcome.PASS, case_id
    assert suite.exit_code == 1
