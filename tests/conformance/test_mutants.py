"""Mutation proof: every faulty server fails exactly the cases its fault explains, and between
them the mutants make every case in the catalogue fail.

Each mutant (tests/conformance/mutants/) is the reference server with one rule broken. For each,
`EXPECTED` names the cases whose rule the fault breaks (`targets`) and the further cases that
fail as a consequence (`also`, with the reason where it is not obvious). The test asserts that
exactly these cases deviate (FAIL for a MUST, NON-STRICT for a SHOULD), that the others PASS or
SKIP, and that nothing is an ERROR. The union of the targets is the whole catalogue: every case
has a mutant built to break its rule, and the case catches it.

Two mutants run a selection (`Mutant.select`) because their fault outlasts the case that
shows it: `reuse-locks-account` locks the only user, so the families that trigger reuse
detection are left out and ROTATION-REUSE-04 runs last; `predictable-jti` gives every login in
a (frozen) second the same session, so one case's logout would revoke the sessions of the cases
after it, and the cases that log out are left out (LOGOUT-SCOPE-01 has its own mutant).

Runs happen in-process (time frozen), two at a time in worker processes. CONC-WORKERS-01 needs
several workers; `store-per-worker` puts two reference apps behind a deterministic in-process
pool (tests/conformance/mutants/workers.py says why not real processes), and the
`sound-worker-pool` control shows that the pool alone breaks nothing.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pytest

from conformance.catalogue import CATALOGUE
from conformance.outcomes import Level, Outcome
from tests.conformance.mutants import BY_NAME, CONTROLS, MUTANTS
from tests.conformance.mutants.run import Verdicts, run_mutant


@dataclass(frozen=True)
class Caught:
    targets: str  # the cases whose rule the fault breaks
    also: str = ""  # the cases that fail as a consequence
    # Cases that cannot judge (ERROR): the fault breaks their control, the acceptance of the
    # same request with good values that a refusal is measured against.
    cannot_judge: str = ""
    # The fault is only a status habit (a refusal with another 4xx than the declared one): the
    # requirement holds, so every deviation is NON-STRICT whatever the case's level.
    status_only: bool = False

    @property
    def ids(self) -> set[str]:
        return set(self.targets.split()) | set(self.also.split())


# Every refusal a case checks is held to the declared status (401), so a 403 is NON-STRICT in
# all of them (a 403 to a Unicode login is a clean refusal of odd input: ROBUST-LOGIN-05 passes).
_ALL_REFUSALS = """
    BEARER-CHALLENGE-01 BEARER-CHALLENGE-03 BEARER-SCHEME-01 CONC-LOGOUT-01
    JWT-ALG-01 JWT-ALG-02 JWT-ALG-03 JWT-ALG-04 JWT-ALG-05 JWT-ALG-06 JWT-ALG-07
    JWT-CLAIM-01 JWT-CLAIM-02 JWT-CLAIM-03 JWT-CLAIM-04 JWT-CLAIM-05 JWT-CLAIM-06 JWT-CLAIM-08
    JWT-CLAIM-09 JWT-FORMAT-01 JWT-FORMAT-02 JWT-FORMAT-03 JWT-FORMAT-04 JWT-FORMAT-05
    JWT-SIG-01 JWT-SIG-02 JWT-SIG-03 JWT-SIG-04 JWT-TAMPER-01 JWT-TAMPER-02 JWT-TAMPER-03
    JWT-TAMPER-04 JWT-TIME-01 JWT-TIME-03 JWT-TIME-04 JWT-TIME-06 LIFETIME-EXPIRY-02
    LIFETIME-EXPIRY-03 LOGIN-REJECT-01 LOGIN-REJECT-02 LOGIN-REJECT-03 LOGOUT-REVOKE-01
    LOGOUT-REVOKE-02 LOGOUT-REVOKE-03 LOGOUT-REVOKE-04 LOGOUT-REVOKE-05 REFRESH-OK-07
    REFRESH-REJECT-02 REFRESH-REJECT-03 REFRESH-REJECT-04 REFRESH-REJECT-05 REFRESH-REJECT-06
    REFRESH-REJECT-07 REFRESH-REJECT-08 ROBUST-TOKEN-01 TYPE-01 TYPE-02 TYPE-04
    TYPE-05 TYPE-06 TYPE-07 USER-DISABLED-01 USER-DISABLED-02 USER-DISABLED-03
"""

EXPECTED: dict[str, Caught] = {
    # --- login ---
    "one-token-for-both": Caught(
        "LOGIN-OK-01",
        # One token of type access with the refresh lifetime: no type separation, no short life,
        # and 8 concurrent logins hand out 8 tokens where 16 are due. TYPE-05 (relabel the
        # refresh token) skips on its premise: the "refresh" token carries no refresh marker,
        # which TYPE-03 reports.
        """TYPE-01 TYPE-02 TYPE-03 LIFETIME-CLAIMS-01 LIFETIME-CLAIMS-03
        LIFETIME-EXPIRY-02 LIFETIME-EXPIRY-03 LIFETIME-RANGE-01 REFRESH-OK-07 CONC-LOGIN-01""",
    ),
    "login-access-stale-key": Caught(
        "LOGIN-OK-02",
        # Every use of a login's access token (forged copies are signed right and still work);
        # logout needs it too: LOGOUT-OK-01 and the racing logout fail, and the revocation cases
        # skip on that premise.
        """BEARER-SCHEME-02 CONC-PROTECTED-01 LIFETIME-EXPIRY-01 USER-DISABLED-04 RATE-LIMIT-04
        LOGOUT-OK-01 CONC-LOGOUT-01""",
        # The refusal cases whose control is the login's own access token being accepted: with
        # it refused, a refusal of the attack proves nothing (they used to PASS regardless).
        cannot_judge="""BEARER-CHALLENGE-01 BEARER-CHALLENGE-03 BEARER-MALFORMED-01
        BEARER-MALFORMED-02 BEARER-MISSING-01 BEARER-QUERY-01 BEARER-SCHEME-01 JWT-ALG-01
        JWT-ALG-02 JWT-ALG-06 JWT-FORMAT-01 JWT-FORMAT-02 JWT-SIG-01 JWT-SIG-02 JWT-SIG-03
        JWT-SIG-04 JWT-TAMPER-01 JWT-TAMPER-02 JWT-TAMPER-03 JWT-TAMPER-04 LIFETIME-EXPIRY-02
        LOGOUT-REVOKE-02 ROBUST-TOKEN-01 TYPE-01 USER-DISABLED-02""",
    ),
    "password-not-checked": Caught(
        "LOGIN-REJECT-01 LOGIN-REJECT-03",
        # Unicode passwords log in; a wrong password gets tokens while an unknown user does not.
        "ROBUST-LOGIN-05 LOGIN-REJECT-05",
    ),
    "unknown-user-falls-back": Caught(
        "LOGIN-REJECT-02",
        # Any username with the right password logs in, Unicode ones included.
        "ROBUST-LOGIN-05 LOGIN-REJECT-05",
    ),
    "password-normalised": Caught("LOGIN-REJECT-03"),
    "empty-password-binds": Caught("LOGIN-REJECT-04"),
    "user-enumeration": Caught("LOGIN-REJECT-05"),
    "login-by-get": Caught("LOGIN-REJECT-06"),
    "token-response-cached": Caught("LOGIN-CACHE-01 REFRESH-OK-04"),
    "no-pragma": Caught("LOGIN-CACHE-02"),
    "token-type-jwt": Caught("LOGIN-FIELDS-01"),
    "disabled-user-logs-in": Caught("USER-DISABLED-01"),
    # --- bearer header ---
    "anonymous-access": Caught(
        "BEARER-MISSING-01 BEARER-CHALLENGE-01",
        # The query-string case sends no header either, so it is served as the guest.
        "BEARER-QUERY-01",
    ),
    "forbidden-not-unauthorized": Caught("BEARER-MISSING-01", _ALL_REFUSALS, status_only=True),
    "no-www-authenticate": Caught("BEARER-CHALLENGE-01 BEARER-CHALLENGE-03 BEARER-CHALLENGE-04"),
    "challenge-always-has-error": Caught("BEARER-CHALLENGE-02"),
    "any-scheme": Caught("BEARER-SCHEME-01"),
    "case-sensitive-scheme": Caught("BEARER-SCHEME-02"),
    "crash-on-bare-bearer": Caught("BEARER-MALFORMED-01"),
    "first-of-two-tokens": Caught("BEARER-MALFORMED-02"),
    "crash-on-two-authorization-headers": Caught("BEARER-MALFORMED-03"),
    "token-in-query": Caught("BEARER-QUERY-01"),
    "public-needs-token": Caught("BEARER-PUBLIC-01"),
    # --- JWT signature and algorithm ---
    "alg-none-accepted": Caught("JWT-ALG-01 JWT-ALG-02 REFRESH-REJECT-04"),
    "signature-not-verified": Caught(
        """JWT-SIG-01 JWT-SIG-02 JWT-SIG-03 JWT-SIG-04 JWT-TAMPER-01 JWT-TAMPER-02 JWT-TAMPER-03
        JWT-TAMPER-04 JWT-ALG-03 REFRESH-REJECT-03""",
        # With no signature check, no algorithm or key trick is needed either.
        "JWT-ALG-01 JWT-ALG-02 JWT-ALG-04 JWT-ALG-05 JWT-ALG-06 JWT-ALG-07 REFRESH-REJECT-04",
    ),
    "alg-not-pinned": Caught("JWT-ALG-07"),
    "header-keys-trusted": Caught("JWT-ALG-04 JWT-ALG-05"),
    "crash-on-unknown-alg": Caught(
        "JWT-ALG-06",
        # none and RS256 are not in the table either.
        "JWT-ALG-01 JWT-ALG-02 JWT-ALG-03 JWT-ALG-04 REFRESH-REJECT-04",
    ),
    "crash-on-malformed-token": Caught(
        """JWT-FORMAT-01 JWT-FORMAT-02 JWT-FORMAT-03 JWT-FORMAT-04 ROBUST-TOKEN-01
        REFRESH-REJECT-02""",
        # Every other malformed token crashes too: garbage, ',', Latin-1 bytes, at protected
        # paths and at logout; a 500 carries no invalid_token challenge. (Not the 64 KB token of
        # ROBUST-SIZE-03: the reference server refuses request heads above 64 KiB with 431, on
        # httptools as h11 does, before any token code runs; crash-on-big-header still fails it.)
        """BEARER-CHALLENGE-03 BEARER-CHALLENGE-04 BEARER-MALFORMED-01 BEARER-MALFORMED-03
        LOGOUT-SCOPE-03 ROBUST-HEADER-01""",
    ),
    "crit-ignored": Caught("JWT-FORMAT-05"),
    # --- JWT claims and time ---
    "exp-not-required": Caught("JWT-CLAIM-01"),
    "missing-subject-defaults": Caught("JWT-CLAIM-02"),
    "untyped-token-passes": Caught("JWT-CLAIM-03 TYPE-07"),
    "jti-sid-not-required": Caught("JWT-CLAIM-04"),
    # int(1e400) and int(NaN) raise: a 500.
    "exp-coerced": Caught("JWT-CLAIM-05", "JWT-CLAIM-06"),
    "crash-on-huge-exp": Caught("JWT-CLAIM-06 JWT-CLAIM-07"),
    "unknown-subject-passes": Caught("JWT-CLAIM-08 REFRESH-REJECT-07"),
    "claim-types-unchecked": Caught(
        "JWT-CLAIM-09",
        # A string exp compared with a number and a list as type are 500s; exp 1e400 is
        # infinity, which never expires.
        "JWT-CLAIM-05 JWT-CLAIM-06 TYPE-06",
    ),
    "issuer-not-checked": Caught("JWT-CLAIM-10"),
    "audience-not-checked": Caught("JWT-CLAIM-11"),
    "expired-access-accepted": Caught(
        "JWT-TIME-01 JWT-TIME-02 LIFETIME-EXPIRY-02",
        "LIFETIME-EXPIRY-03 REFRESH-OK-07",
    ),
    "hour-of-leeway": Caught(
        "JWT-TIME-02 JWT-TIME-04",
        # Everything an hour or less out of range passes: expiry, nbf, iat, for both tokens.
        """JWT-TIME-03 JWT-TIME-06 LIFETIME-EXPIRY-02 LIFETIME-EXPIRY-03 REFRESH-OK-07
        REFRESH-REJECT-06 REFRESH-REJECT-08""",
    ),
    "nbf-ignored": Caught("JWT-TIME-03 JWT-TIME-04 REFRESH-REJECT-08"),
    "nbf-refused": Caught("JWT-TIME-05"),
    "future-iat-accepted": Caught("JWT-TIME-06"),
    "predictable-jti": Caught(
        "LOGIN-OK-03 REFRESH-OK-03 CONC-LOGIN-01",
        # JWT-SIG-04 (another login's signature is this login's) skips on LOGIN-OK-03's premise.
    ),
    # --- token types ---
    "refresh-as-access": Caught("TYPE-01 TYPE-04"),
    "access-as-refresh": Caught("TYPE-02 TYPE-05"),
    "refresh-type-misspelt": Caught("TYPE-03"),
    "type-case-insensitive": Caught("TYPE-06"),
    # --- refresh ---
    "refresh-answer-without-access": Caught(
        "REFRESH-OK-01",
        # The cases that read the refresh answer themselves; those that take a session from
        # ctx.refresh skip on REFRESH-OK-01's premise.
        """REFRESH-OK-07 CONC-LOGOUT-01 RATE-LIMIT-01 RATE-LIMIT-02 RATE-LIMIT-03
        RATE-LIMIT-04""",
    ),
    "refresh-access-stale-key": Caught(
        "REFRESH-OK-02",
        "REFRESH-OK-07",
        # Its control is the refreshed access token being accepted before time moves on.
        cannot_judge="LIFETIME-EXPIRY-03",
    ),
    "refresh-needs-live-access": Caught("REFRESH-OK-07", "LIFETIME-EXPIRY-04"),
    "one-shot-refresh": Caught(
        "REFRESH-OK-05 CONC-REFRESH-01",
        # The rate-limit cases refresh one token until the limit; the second refresh is refused.
        "RATE-LIMIT-01 RATE-LIMIT-02 RATE-LIMIT-03 RATE-LIMIT-04",
    ),
    "rotation-echoes-token": Caught(
        "REFRESH-OK-06 ROTATION-01",
        # The other rotation cases skip on ROTATION-01's premise (a refresh rotates).
    ),
    "expired-refresh-accepted": Caught("REFRESH-REJECT-05 REFRESH-REJECT-06"),
    "crash-on-missing-field": Caught("REFRESH-REJECT-01 ROBUST-REFRESH-01 ROBUST-REFRESH-03"),
    "crash-on-non-string-refresh-token": Caught("ROBUST-REFRESH-02"),
    "inactive-user-refreshes": Caught("USER-DISABLED-03 REFRESH-REJECT-07"),
    # --- lifetimes ---
    "access-shorter-than-declared": Caught(
        "LIFETIME-CLAIMS-01 LIFETIME-EXPIRY-01", "LIFETIME-CLAIMS-03"
    ),
    "refresh-shorter-than-declared": Caught("LIFETIME-CLAIMS-02 LIFETIME-EXPIRY-04"),
    "refreshed-access-long-lived": Caught("LIFETIME-CLAIMS-03 LIFETIME-EXPIRY-03"),
    "expires-in-minutes": Caught("LIFETIME-EXPIRES-IN-01"),
    "two-hour-access-token": Caught("LIFETIME-RANGE-01"),
    # --- logout ---
    "logout-crashes": Caught(
        "LOGOUT-OK-01",
        # The racing logout reads its answers itself; the cases that need a successful logout
        # first skip on LOGOUT-OK-01's premise.
        "CONC-LOGOUT-01",
    ),
    # LOGOUT-REVOKE-04 and -05 (how far and how long revocation reaches) skip on
    # LOGOUT-REVOKE-01's premise; the two mutants after it break exactly them.
    "logout-noop": Caught("LOGOUT-REVOKE-01 LOGOUT-REVOKE-02 LOGOUT-REVOKE-03 CONC-LOGOUT-01"),
    # The session is not revoked, so the access token minted by the refresh outlives logout.
    "revocation-by-bytes": Caught("LOGOUT-REVOKE-04", "LOGOUT-REVOKE-03"),
    # Revoked by token, not by session (the @fastify/jwt target's denylist): a successor minted
    # by a refresh racing the logout lives on, and so does the refreshed access token.
    "revocation-by-jti": Caught("CONC-LOGOUT-01", "LOGOUT-REVOKE-03"),
    "revocation-forgotten": Caught("LOGOUT-REVOKE-05"),
    "logout-everywhere": Caught("LOGOUT-SCOPE-01"),
    "logout-keeps-refresh": Caught(
        "LOGOUT-REVOKE-01",
        # The refreshed access token outlives logout too (it is not the one presented).
        "LOGOUT-REVOKE-03 CONC-LOGOUT-01",
    ),
    "logout-refusals-crash": Caught(
        "LOGOUT-SCOPE-02 LOGOUT-SCOPE-03 LOGOUT-REPEAT-01",
        # A logout body that is not JSON is refused (422), so it crashes too.
        "ROBUST-LOGOUT-01",
    ),
    # --- rotation ---
    "no-reuse-detection": Caught(
        # ROTATION-REUSE-02 skips on ROTATION-REUSE-01's premise.
        "ROTATION-02 ROTATION-REUSE-01",
        # The losers of a concurrent refresh are reuse; unnoticed, they each get a successor.
        "CONC-REFRESH-02",
    ),
    "reuse-spares-access": Caught("ROTATION-REUSE-02"),
    "reuse-revokes-every-session": Caught("ROTATION-REUSE-03"),
    "reuse-locks-account": Caught("ROTATION-REUSE-04"),
    # Concurrent losers are grace replays; each gets a new successor.
    "grace-mints-new-successor": Caught("ROTATION-GRACE-01", "CONC-REFRESH-02"),
    "grace-for-any-ancestor": Caught(
        "ROTATION-GRACE-02 ROTATION-GRACE-03",
        # Any ancestor, at any time: the predecessor is also let in after the window
        # (ROTATION-REUSE-02 skips on ROTATION-REUSE-01's premise).
        "ROTATION-02 ROTATION-REUSE-01",
    ),
    # --- concurrency ---
    "racy-rotation": Caught("CONC-REFRESH-02"),
    "refuses-concurrent-use": Caught("CONC-PROTECTED-01"),
    # The logout racing a refresh lands on the other worker.
    "store-per-worker": Caught("CONC-WORKERS-01", "CONC-LOGOUT-01"),
    # --- cookies ---
    "cookie-mode-off": Caught(
        "COOKIE-SET-01",
        # No cookie at all: none of its attributes, and nothing to clear at logout.
        """COOKIE-ATTR-01 COOKIE-ATTR-02 COOKIE-ATTR-03 COOKIE-ATTR-04 COOKIE-ATTR-05
        COOKIE-LOGOUT-01""",
    ),
    "cookie-token-also-in-body": Caught("COOKIE-SET-02"),
    "cookie-not-httponly": Caught("COOKIE-ATTR-01"),
    "cookie-not-secure": Caught("COOKIE-ATTR-02"),
    "cookie-without-samesite": Caught("COOKIE-ATTR-03"),
    "cookie-path-root": Caught("COOKIE-ATTR-04"),
    "cookie-outlives-token": Caught("COOKIE-ATTR-05"),
    "logout-keeps-cookie": Caught("COOKIE-LOGOUT-01"),
    "protected-takes-refresh-cookie": Caught(
        "COOKIE-CSRF-01",
        # For the cookie to reach /protected at all, as @fastify/jwt's users set it.
        "COOKIE-ATTR-04",
    ),
    "access-token-cookie": Caught("COOKIE-CSRF-01"),
    "cors-reflects-origin": Caught("CORS-01"),
    # --- users ---
    "disabled-flag-ignored": Caught("USER-DISABLED-02 USER-DISABLED-03"),
    "disabling-revokes": Caught("USER-DISABLED-04"),
    # --- persistence ---
    "memory-store-despite-persistence": Caught("PERSIST-02 PERSIST-03"),
    "session-allowlist-in-memory": Caught("PERSIST-01"),
    # --- robustness ---
    "seed-login-parser": Caught(
        "ROBUST-LOGIN-01 ROBUST-LOGIN-02 ROBUST-LOGIN-03 ROBUST-LOGIN-04 ROBUST-LOGIN-06"
    ),
    "crash-on-unicode-credentials": Caught("ROBUST-LOGIN-05"),
    # The 2 MB login body is a 2 MB username.
    "crash-on-long-username": Caught("ROBUST-SIZE-02", "ROBUST-SIZE-01"),
    "crash-on-big-body": Caught("ROBUST-SIZE-01 ROBUST-SIZE-04"),
    "crash-on-big-header": Caught("ROBUST-SIZE-03"),
    "crash-on-non-ascii-authorization": Caught("ROBUST-HEADER-01"),
    "crash-on-long-path": Caught("ROBUST-PATH-01"),
    "crash-on-odd-method": Caught("ROBUST-METHOD-01"),
    "crash-on-bad-logout-body": Caught("ROBUST-LOGOUT-01"),
    # --- rate limit ---
    # The cases about what a 429 looks like skip on RATE-LIMIT-01's premise.
    "no-rate-limit": Caught("RATE-LIMIT-01"),
    "no-retry-after": Caught("RATE-LIMIT-02"),
    "rate-limit-never-lifts": Caught("RATE-LIMIT-03"),
    "rate-limit-blocks-api": Caught("RATE-LIMIT-04"),
    # --- missing defences, undeclared: the profile says nothing, the suite finds them ---
    "no-logout": Caught("LOGOUT-EXISTS-01"),
    "no-rate-limit-undeclared": Caught("RATE-PROBE-01"),
    "no-login-throttle": Caught("THROTTLE-LOGIN-01"),
    # --- signing key ---
    "placeholder-secret": Caught("JWT-KEY-01"),
}

# Cases no mutant is built to break (with the reason). Empty: every case has one.
UNCAUGHT: dict[str, str] = {}


def deviating(name: str) -> set[str]:
    """The cases mutant `name` makes deviate: those it fails and those it leaves undecided."""
    caught = EXPECTED[name]
    return caught.ids | set(caught.cannot_judge.split())


ALL_IDS = {case.id for case in CATALOGUE}
LEVELS = {case.id: case.level for case in CATALOGUE}
DEVIATIONS = {Outcome.FAIL, Outcome.NON_STRICT, Outcome.ERROR}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Verdicts]:
    """Every mutant and control, run once, two at a time (each run is CPU-bound, ~1 s)."""
    tmp = tmp_path_factory.mktemp("mutants")
    names = [mutant.name for mutant in (*MUTANTS, *CONTROLS)]
    folders = {name: tmp / name for name in names}
    for folder in folders.values():
        folder.mkdir()
    # forkserver: the workers start clean, without this process's threads or frozen clocks.
    context = multiprocessing.get_context("forkserver")
    workers = max(1, min(2, os.cpu_count() or 1))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {name: pool.submit(run_mutant, name, str(folders[name])) for name in names}
        return {name: future.result(timeout=300) for name, future in futures.items()}


def _deviations(verdicts: Verdicts) -> dict[str, str]:
    return {
        case: f"{outcome}: {detail}"
        for case, (outcome, detail) in verdicts.items()
        if Outcome(outcome) in DEVIATIONS
    }


def test_every_mutant_has_expectations() -> None:
    assert sorted(EXPECTED) == sorted(mutant.name for mutant in MUTANTS)
    unknown = {name: c.ids - ALL_IDS for name, c in EXPECTED.items() if c.ids - ALL_IDS}
    assert unknown == {}
    overlap = {n: set(c.targets.split()) & set(c.also.split()) for n, c in EXPECTED.items()}
    assert {n: ids for n, ids in overlap.items() if ids} == {}


def test_every_case_has_a_mutant_built_to_break_it() -> None:
    targeted = {case for caught in EXPECTED.values() for case in caught.targets.split()}
    assert sorted(ALL_IDS - targeted - set(UNCAUGHT)) == []
    assert len(MUTANTS) >= 20


@pytest.mark.parametrize("name", [mutant.name for mutant in MUTANTS])
def test_mutant_fails_exactly_its_cases(verdicts: dict[str, Verdicts], name: str) -> None:
    mutant = BY_NAME[name]
    results = verdicts[name]
    assert sorted(results) == sorted(case.id for case in mutant.cases())
    deviations = _deviations(results)
    errors = {case: text for case, text in deviations.items() if text.startswith("ERROR")}
    assert sorted(errors) == sorted(EXPECTED[name].cannot_judge.split()), errors
    assert all("control:" in text for text in errors.values()), errors
    deviations = {case: text for case, text in deviations.items() if case not in errors}
    assert sorted(deviations) == sorted(EXPECTED[name].ids), deviations
    # A broken MUST is a FAIL, a broken SHOULD (or a status habit) only NON-STRICT.
    for case in deviations:
        must = LEVELS[case] is Level.MUST and not EXPECTED[name].status_only
        wanted = Outcome.FAIL if must else Outcome.NON_STRICT
        assert results[case][0] == wanted.value, (case, results[case])
    others = {results[case][0] for case in results if case not in {*deviations, *errors}}
    # DECLARED: the reference profile writes rotation, reuse detection and persistence as false.
    assert others <= {Outcome.PASS.value, Outcome.SKIP.value, Outcome.DECLARED.value}


def test_every_case_fails_against_some_mutant(verdicts: dict[str, Verdicts]) -> None:
    caught = {case for name in EXPECTED for case in _deviations(verdicts[name])}
    assert sorted(ALL_IDS - caught - set(UNCAUGHT)) == []


@pytest.mark.parametrize("name", [control.name for control in CONTROLS])
def test_controls_pass_everything(verdicts: dict[str, Verdicts], name: str) -> None:
    results = verdicts[name]
    assert _deviations(results) == {}
    # The pool's reason to exist: the several-workers case really ran against it.
    assert results["CONC-WORKERS-01"][0] == Outcome.PASS.value
