"""The suite judges a spec-following OAuth 2.0 server right (issue 13), over HTTP, real uvicorn.

The correct server (tests/targets/oauth/server.py) gets 0 FAIL and 0 ERROR with the profile its
team would write from the docs (tests/targets/oauth/profile.toml), unpaced by hand: the suite keeps
under the declared refresh rate limit and login throttle by itself, and the figures are checked
from the recorded traffic. Each faulty variant is caught by the case whose rule it breaks,
including the server that checks `typ` and `kid` first and then trusts the header, which the
suite PASSed while it forged attacks under a fresh `{"alg", "typ": "JWT"}` header.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from conformance.catalogue import CATALOGUE
from conformance.exchange import Exchange
from conformance.outcomes import Level, Outcome
from conformance.profile import Profile, load_profile
from conformance.runner import SuiteResult, run_suite, select_cases
from tests.servers import LOOPBACK, REPO_ROOT, free_port, server_env

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent / "oauth"
PROFILE = HERE / "profile.toml"

# Every case the correct server does not PASS, and why it cannot run there.
SKIPPED = {
    # Opaque refresh tokens: nothing to forge, re-sign or strip a signature from.
    "REFRESH-REJECT-03": "opaque",
    "REFRESH-REJECT-04": "opaque",
    "REFRESH-REJECT-05": "opaque",
    "REFRESH-REJECT-07": "opaque",
    "REFRESH-REJECT-08": "opaque",
    "LOGOUT-REVOKE-04": "opaque",
    "TYPE-05": "opaque",
    "TYPE-07": "opaque",
    "JWT-TAMPER-03": "opaque",
    "LIFETIME-CLAIMS-02": "opaque",
    # No rotation grace window, no cookie, one worker, no restart, time only forged.
    "REFRESH-OK-05": "rotates",
    "CONC-REFRESH-01": "rotates",
    "ROTATION-GRACE-01": "grace",
    "ROTATION-GRACE-02": "grace",
    "ROTATION-GRACE-03": "grace",
    "CONC-WORKERS-01": "single worker",
    "PERSIST-01": "persistence",
    "PERSIST-02": "persistence",
    "PERSIST-03": "persistence",
    "REFRESH-OK-07": "forge",
    "REFRESH-REJECT-06": "forge",
    "LIFETIME-EXPIRY-01": "forge",
    "LIFETIME-EXPIRY-02": "forge",
    "LIFETIME-EXPIRY-03": "forge",
    "LIFETIME-EXPIRY-04": "forge",
    "LOGOUT-REVOKE-05": "forge",
    # RS256, not a guessable HMAC secret; a rate limit and a logout are declared, so the probes
    # for their absence do not apply.
    "JWT-KEY-01": "asymmetric",
    "RATE-PROBE-01": "declared",
    "LOGOUT-EXISTS-01": "declared",
    # A form login: the JSON-body robustness cases do not apply.
    "ROBUST-LOGIN-01": "form",
    "ROBUST-LOGIN-02": "form",
    "ROBUST-LOGIN-06": "form",
}
SKIPPED |= {case.id: "cookie" for case in CATALOGUE if case.family == "cookie"}


@contextmanager
def oauth_server(key_file: Path, *faults: str) -> Iterator[str]:
    """The OAuth server as a real uvicorn process on a free port; yields its base URL."""
    port = free_port()
    argv = [sys.executable, "-m", "tests.targets.oauth.server", "--port", str(port)]
    argv += ["--key-file", str(key_file)]
    for fault in faults:
        argv += ["--fault", fault]
    process = subprocess.Popen(
        argv,
        cwd=REPO_ROOT,
        env=server_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base_url = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"OAuth server did not start: {process.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.1)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def profile_for(base_url: str, key_file: Path) -> Profile:
    """The profile as its team wrote it, next to the key file the server wrote (the profile
    names signing-key.pem beside itself)."""
    copy = key_file.parent / PROFILE.name
    copy.write_text(PROFILE.read_text())
    return load_profile(copy).with_base_url(base_url)


def outcomes(suite: SuiteResult) -> dict[str, str]:
    return {r.case.id: r.outcome.value for r in suite.results}


def details(suite: SuiteResult, wanted: set[Outcome]) -> dict[str, str]:
    return {r.case.id: r.detail for r in suite.results if r.outcome in wanted}


def _form(exchange: Exchange) -> dict[str, list[str]]:
    try:
        return parse_qs(exchange.request_body.decode("ascii"))
    except UnicodeDecodeError:
        return {}


def peak_in_window(times: list[float], window: float) -> int:
    """The most events in any `window`-long stretch."""
    times = sorted(times)
    peak, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - window:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def test_the_correct_server_gets_no_fail_and_no_error(tmp_path: Path) -> None:
    key_file = tmp_path / "signing-key.pem"
    finished: dict[str, float] = {}
    with oauth_server(key_file) as base_url:
        profile = profile_for(base_url, key_file)
        started = time.time()
        suite = run_suite(profile, on_result=lambda r: finished.update({r.case.id: time.time()}))
        elapsed = time.time() - started
        seen = httpx.get(f"{base_url}/test/traffic").json()["requests"]
    counts = suite.counts()
    print(
        f"\nOAuth server: {len(suite.results)} cases, {counts[Outcome.PASS]} passed, "
        f"{counts[Outcome.FAIL]} failed, {counts[Outcome.NON_STRICT]} non-strict, "
        f"{counts[Outcome.SKIP]} skipped, {counts[Outcome.ERROR]} errors in {elapsed:.1f} s"
    )
    assert details(suite, {Outcome.FAIL, Outcome.ERROR, Outcome.NON_STRICT}) == {}
    verdicts = outcomes(suite)
    assert {case for case, outcome in verdicts.items() if outcome == "SKIP"} == set(SKIPPED)
    assert {case for case, outcome in verdicts.items() if outcome == "PASS"} == (
        set(verdicts) - set(SKIPPED)
    )

    # Pacing, measured from what the server saw before the RATE-LIMIT cases spent the budget.
    # THROTTLE-LOGIN-01 runs after the RATE cases, so it does not mark where they begin.
    spend_from = max(
        t for case, t in finished.items() if not case.startswith(("RATE-", "THROTTLE-"))
    )
    before = [(at, grant, status) for at, grant, status in seen if at <= spend_from]
    refreshes = [at for at, grant, _ in before if grant == "refresh_token"]
    failures = [at for at, grant, status in before if grant == "password" and status == 400]
    limits = profile.rate_limit, profile.login_throttle
    refresh_peak = peak_in_window(refreshes, limits[0].window)
    failure_peak = peak_in_window(failures, limits[1].window)
    print(
        f"pacing: {len(refreshes)} refreshes, at most {refresh_peak} in any "
        f"{limits[0].window:g} s (declared {limits[0].limit}); {len(failures)} failed logins, at "
        f"most {failure_peak} in any {limits[1].window:g} s (declared {limits[1].limit})"
    )
    assert refresh_peak <= limits[0].limit
    assert failure_peak <= limits[1].limit
    assert [status for _, _, status in before if status == 429] == []
    # The RATE-LIMIT cases did meet the limit, in forge mode, by waiting the window out.
    assert any(status == 429 for at, _, status in seen if at > spend_from)


# fault -> the cases whose rule it breaks, run against a server with only that fault; each
# deviates as its level says (FAIL for a MUST, NON-STRICT for a SHOULD) unless given as
# "CASE:OUTCOME".
FAULTS = {
    "trust-header": "JWT-ALG-01 JWT-ALG-02 JWT-ALG-03 JWT-ALG-04 JWT-ALG-05",
    # (ROTATION-REUSE-02 SKIPs: reuse being detected is its premise, ROTATION-REUSE-01's finding.)
    "no-reuse-detection": "ROTATION-REUSE-01",
    # (CONC-LOGOUT-01 still passes: the racing refresh rotated the token, so the replay after
    # the logout is reuse, which revokes the family by itself.)
    "revoke-noop": "LOGOUT-REVOKE-01 LOGOUT-REVOKE-02 LOGOUT-REVOKE-03",
    "crash-on-repeated-param": "ROBUST-REFRESH-02",
    # Caught only because the GET carries the client's credentials like a POST would: without
    # them the server refuses the client, and the case passed without testing the method.
    "login-by-get": "LOGIN-REJECT-06",
    "refresh-unlimited": "RATE-LIMIT-01",
    # A 400 for a well-formed bad token is a refusal with the wrong habit (RFC 6750 §3.1 says
    # 401 invalid_token): NON-STRICT, not FAIL, and oauth_errors does not excuse it, since the
    # Authorization header was well formed.
    "bad-token-400": "JWT-SIG-02:NON-STRICT JWT-SIG-03:NON-STRICT BEARER-CHALLENGE-03:NON-STRICT",
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_faulty_variant_is_caught_by_the_case_it_breaks(tmp_path: Path, fault: str) -> None:
    key_file = tmp_path / "signing-key.pem"
    levels = {case.id: case.level for case in CATALOGUE}
    # A broken MUST is a FAIL, a broken SHOULD NON-STRICT, unless the fault says otherwise.
    wanted = {
        case: outcome or ("FAIL" if levels[case] is Level.MUST else "NON-STRICT")
        for case, _, outcome in (item.partition(":") for item in FAULTS[fault].split())
    }
    families = {case.family for case in CATALOGUE if case.id in wanted}
    cases = [case for case in CATALOGUE if case.family in families]
    with oauth_server(key_file, fault) as base_url:
        suite = run_suite(profile_for(base_url, key_file), cases=cases)
    verdicts = outcomes(suite)
    assert {case: verdicts[case] for case in wanted} == wanted
    assert details(suite, {Outcome.ERROR}) == {}


def test_an_outsider_with_only_the_jwks_catches_the_header_trusting_server(
    tmp_path: Path,
) -> None:
    """No private key: forgeries that need it SKIP with that reason, but alg none, HS256 keyed
    with the public key from the JWKS and an embedded jwk still run, and catch the server."""
    key_file = tmp_path / "signing-key.pem"
    attacks = select_cases(["JWT-ALG-"]) + select_cases(["JWT-CLAIM-01"])
    with oauth_server(key_file, "trust-header") as base_url:
        profile = profile_for(base_url, key_file)
        profile = replace(profile, signing=replace(profile.signing, private_key=""))
        suite = run_suite(profile, cases=attacks)
    verdicts = outcomes(suite)
    assert verdicts == {
        "JWT-ALG-01": "FAIL",
        "JWT-ALG-02": "FAIL",
        "JWT-ALG-03": "FAIL",
        "JWT-ALG-04": "FAIL",
        "JWT-ALG-05": "FAIL",
        "JWT-ALG-06": "PASS",
        "JWT-ALG-07": "SKIP",
        "JWT-CLAIM-01": "SKIP",
    }
    assert "needs the private key" in details(suite, {Outcome.SKIP})["JWT-ALG-07"]


def test_a_profile_without_grant_type_gets_errors_not_passes(tmp_path: Path) -> None:
    """The server refuses every login that lacks grant_type: a login-refusal case cannot judge
    (ERROR naming its control), where it used to PASS without testing anything."""
    key_file = tmp_path / "signing-key.pem"
    with oauth_server(key_file) as base_url:
        profile = profile_for(base_url, key_file)
        profile = replace(profile, login=replace(profile.login, fields={}))
        suite = run_suite(profile, cases=select_cases(["LOGIN-REJECT-0"]))
    assert set(outcomes(suite).values()) == {"ERROR"}
    assert all("control" in detail for detail in details(suite, {Outcome.ERROR}).values())
