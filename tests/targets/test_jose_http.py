"""The suite judges a node:http API on jose 6 (tests/targets/node/jose_http/): EdDSA keys with a
kid, kinds told apart by the JOSE header typ (`at+jwt` / `refresh+jwt`), iss and aud checked,
one-time refresh tokens in the JSON body, 401 without a token and 403 for a bad one.

Every verdict is asserted. Read as that API's team would (README.md beside the server explains
each): no no-store and no Bearer challenge; the scheme compared case-sensitively and the header
split on spaces (a second token is ignored); jose's jwtVerify requiring neither `exp` nor `jti`
and taking `exp: 1e400` for "never"; a reused refresh token refused but its family left alive; a
refresh racing logout minting a live successor; `null` as the login body crashing the handler.
What the profile owns up to is DECLARED, and nothing is an ERROR. Pinned too: a wrong verdict it
exposed, BEARER-SCHEME-01 calling a 401 to `Authorization: Basic <token>` "not the declared
status" where the profile declares 401 for a request without a (Bearer) token.
"""

from __future__ import annotations

from pathlib import Path

from conformance.outcomes import Outcome
from conformance.profile import load_profile
from conformance.runner import run_suite
from tests.targets.expected import by_case, not_passed, verdicts_of

PROFILE = Path(__file__).resolve().parent / "node" / "jose_http" / "profile.toml"

EXPECTED: dict[Outcome, str] = {
    Outcome.FAIL: """
        LOGIN-CACHE-01 LOGIN-CACHE-02 BEARER-CHALLENGE-01 BEARER-CHALLENGE-03 BEARER-SCHEME-02
        BEARER-MALFORMED-02 JWT-CLAIM-01 JWT-CLAIM-04 JWT-CLAIM-06 REFRESH-OK-04
        ROTATION-REUSE-01 CONC-LOGOUT-01 ROBUST-LOGIN-02
    """,
    Outcome.NON_STRICT: "BEARER-CHALLENGE-04 JWT-TIME-06",
    Outcome.SKIP: """
        JWT-ALG-07 JWT-KEY-01 REFRESH-OK-05 REFRESH-OK-07 REFRESH-REJECT-06 LIFETIME-EXPIRY-01
        LIFETIME-EXPIRY-02 LIFETIME-EXPIRY-03 LIFETIME-EXPIRY-04 LIFETIME-EXPIRES-IN-01
        LOGOUT-REVOKE-05 LOGOUT-EXISTS-01 ROTATION-GRACE-01 ROTATION-GRACE-02 ROTATION-GRACE-03
        CONC-REFRESH-01 CONC-WORKERS-01 COOKIE-SET-01 COOKIE-SET-02 COOKIE-ATTR-01 COOKIE-ATTR-02
        COOKIE-ATTR-03 COOKIE-ATTR-04 COOKIE-ATTR-05 COOKIE-LOGOUT-01 COOKIE-CSRF-01
        USER-DISABLED-01 USER-DISABLED-02 USER-DISABLED-03 USER-DISABLED-04
    """,
    Outcome.DECLARED: """
        LOGOUT-REVOKE-02 LOGOUT-REVOKE-03 ROTATION-REUSE-02 PERSIST-01 PERSIST-02 PERSIST-03
        RATE-LIMIT-01 RATE-LIMIT-02 RATE-LIMIT-03 RATE-LIMIT-04 RATE-PROBE-01 THROTTLE-LOGIN-01
    """,
}

HOLDS = """
    TYPE-01 TYPE-02 TYPE-03 TYPE-04 TYPE-05 TYPE-06 TYPE-07 JWT-CLAIM-03 JWT-ALG-01 JWT-ALG-03
    JWT-ALG-04 JWT-ALG-05 JWT-CLAIM-10 JWT-CLAIM-11 ROTATION-01 ROTATION-02
"""


def test_every_verdict_on_the_jose_api(node_targets: Path) -> None:
    suite = run_suite(load_profile(PROFILE))
    verdicts = verdicts_of(suite)
    assert not_passed(verdicts) == by_case(EXPECTED)
    # The header typ separates the kinds, judged with real, relabelled, respelled and untyped
    # tokens; EdDSA with its kid is pinned against every forgery; iss and aud are enforced.
    for case_id in HOLDS.split():
        assert verdicts[case_id] is Outcome.PASS, case_id
    # 401 to another scheme is the no-token refusal this profile declares (RFC 6750 §3.1).
    assert verdicts["BEARER-SCHEME-01"] is Outcome.PASS
    assert suite.exit_code == 1
