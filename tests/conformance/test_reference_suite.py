"""The whole catalogue against the reference server: in-process (freeze) and over real HTTP
(uvicorn, test clock), in every configuration the server has, with 0 FAIL and 0 ERROR; and
across those runs, no case is only ever skipped."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from shlex import quote

import pytest

from conformance.catalogue import CATALOGUE
from conformance.outcomes import Outcome
from conformance.profile import Profile, RestartSpec, load_profile
from conformance.runner import SuiteResult, run_suite, select_cases
from tests.conformance.restartable import restartable_server
from tests.servers import REPO_ROOT, reference_server

PROFILES = REPO_ROOT / "conformance" / "profiles"
RESTARTER = "tests.conformance.restartable"


def _with_options(profile: Profile, **options: object) -> Profile:
    target = replace(profile.target, app_options={**profile.target.app_options, **options})
    return replace(profile, target=target)


def in_process_runs(tmp: Path) -> Iterator[tuple[str, Profile]]:
    yield "default", load_profile(PROFILES / "reference.toml")
    yield "rotation", load_profile(PROFILES / "reference-rotation.toml")
    yield "grace", load_profile(PROFILES / "reference-grace.toml")
    yield "cookie", load_profile(PROFILES / "reference-cookie.toml")
    issuer = load_profile(PROFILES / "reference.toml")
    issuer = _with_options(issuer, issuer="https://issuer.test", audience="dualtoken-api")
    yield (
        "issuer",
        replace(
            issuer,
            claims=replace(issuer.claims, issuer="https://issuer.test", audience="dualtoken-api"),
        ),
    )
    # Persistence in-process: a SQLite store, and a restart that rebuilds the app on it.
    durable = _with_options(
        load_profile(PROFILES / "reference-rotation.toml"), store=f"sqlite:///{tmp / 'inproc.db'}"
    )
    yield (
        "sqlite+restart",
        replace(durable, capabilities=replace(durable.capabilities, persistence=True)),
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteResult]:
    tmp = tmp_path_factory.mktemp("conformance")
    results = {name: run_suite(profile) for name, profile in in_process_runs(tmp)}
    # A profile that says nothing of logout and the rate limit: the probes find both.
    default = load_profile(PROFILES / "reference.toml")
    undeclared = replace(
        default, logout=(), capabilities=replace(default.capabilities, rate_limit=False)
    )
    probes = select_cases(["LOGOUT-EXISTS-01", "RATE-PROBE-01"])
    results["undeclared"] = run_suite(undeclared, cases=probes)
    http = load_profile(PROFILES / "reference-http.toml")
    env = {"DUALTOKEN_TEST_CLOCK": "1"}
    with reference_server(env) as server:
        results["http"] = run_suite(http.with_base_url(server.base_url))
    # Several workers sharing a SQLite store, rotation on, restarted by a command.
    state = tmp / "server.json"
    durable_env = {
        **env,
        "DUALTOKEN_STORE": f"sqlite:///{tmp / 'http.db'}",
        "DUALTOKEN_ROTATION": "1",
        # With SQLite the limiter counts per process (Redis shares it; tests/reference_server/
        # test_scale_out.py), so with two workers it is declared absent and turned off here.
        "DUALTOKEN_REFRESH_RATE_LIMIT": "0",
    }
    with restartable_server(durable_env, state, workers=2) as base_url:
        profile = http.with_base_url(base_url)
        profile = replace(
            profile,
            refresh=replace(profile.refresh, returns_new_refresh=True),
            capabilities=replace(
                profile.capabilities,
                rotation=True,
                reuse_detection=True,
                persistence=True,
                workers=2,
                # Per-process limiter with SQLite: not meaningful across two workers. (The users
                # hooks are: a change is published through the store to every worker.)
                rate_limit=False,
            ),
            restart=RestartSpec(
                command=f"cd {quote(str(REPO_ROOT))} && {quote(sys.executable)} -m {RESTARTER} "
                f"{quote(str(state))}"
            ),
        )
        # The families this configuration exists for; the full catalogue runs over HTTP above.
        families = ["PERSIST", "CONC", "ROTATION", "LOGOUT", "REFRESH", "LOGIN", "USER"]
        cases = select_cases(families)
        results["http-workers+restart"] = run_suite(profile, cases=cases)
    return results


RUN_NAMES = [
    "default",
    "rotation",
    "grace",
    "cookie",
    "issuer",
    "sqlite+restart",
    "http",
    "http-workers+restart",
    "undeclared",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", RUN_NAMES)
def test_no_case_fails_or_errors(runs: dict[str, SuiteResult], name: str) -> None:
    suite = runs[name]
    bad = [
        f"{r.case.id} {r.outcome.value}: {r.detail}"
        for r in suite.results
        if r.outcome in (Outcome.FAIL, Outcome.ERROR, Outcome.NON_STRICT)
    ]
    assert bad == []
    if name not in ("http-workers+restart", "undeclared"):
        assert len(suite.results) == len(CATALOGUE)
    assert suite.exit_code == 0


@pytest.mark.slow
def test_no_case_is_only_ever_skipped(runs: dict[str, SuiteResult]) -> None:
    ran = {r.case.id for suite in runs.values() for r in suite.results if r.outcome is Outcome.PASS}
    assert sorted(case.id for case in CATALOGUE if case.id not in ran) == []


@pytest.mark.slow
def test_time_moving_cases_ran_over_http(runs: dict[str, SuiteResult]) -> None:
    # The clock protocol is really used: cases that move time passed over HTTP too.
    http = runs["http"].by_id()
    for case_id in ("REFRESH-OK-07", "LIFETIME-EXPIRY-02", "RATE-LIMIT-03", "USER-DISABLED-02"):
        assert http[case_id].outcome is Outcome.PASS, http[case_id].detail


@pytest.mark.slow
def test_user_hooks_reach_every_worker(runs: dict[str, SuiteResult]) -> None:
    # The USER family now runs against two workers too. (The suite's client may keep to one
    # worker's connection; the proof that a change reaches the other worker, with a connection
    # held on each, is tests/reference_server/test_scale_out.py.)
    workers = runs["http-workers+restart"].by_id()
    for case_id in ("USER-DISABLED-01", "USER-DISABLED-02", "USER-DISABLED-03", "USER-DISABLED-04"):
        assert workers[case_id].outcome is Outcome.PASS, workers[case_id].detail
