"""init-profile on servers we did not design: fastapi-users (tests/targets/fastapi_users_jwt/),
@fastify/jwt (tests/targets/node/fastify_jwt/) and jose on node:http
(tests/targets/node/jose_http/), each running as its own test starts it.

Each test asserts the keys init-profile got wrong before (a refresh path listed in the OpenAPI
document, a refresh cookie sent back, a rotated cookie seen as a new refresh token, kinds told
apart by `aud`, no kind marker at all, a protected path outside the old list, `sub` over another
claim holding the login name), then runs the whole suite with the written profile plus only
what a human adds (the signing key, given to init-profile) and checks that no FAIL or ERROR
comes from the profile: each one is a FAIL the target's own test asserts with its hand-written
profile.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.launch import TargetProcess
from conformance.outcomes import Outcome
from conformance.profile import Profile, load_profile
from conformance.runner import run_suite
from conformance.target import Target
from dualtoken.init_profile import main as init_profile
from tests.targets import test_fastapi_users, test_fastify_jwt, test_jose_http
from tests.targets.conftest import node_targets  # noqa: F401  (a fixture: used by name)

pytestmark = pytest.mark.slow

SECRET_ENV = "INIT_PROFILE_TARGET_SECRET"


@contextlib.contextmanager
def running(profile: Profile) -> Iterator[str]:
    """The target its shipped profile's [target] command starts, on a free port: its URL."""
    process = TargetProcess(profile.target, ready_path=Target(profile).ready_path)
    asyncio.run(process.start())
    try:
        yield process.base_url
    finally:
        asyncio.run(process.stop())
        process.close()


def written(base_url: str, shipped: Profile, out: Path, *key_args: str) -> tuple[Profile, str]:
    """What init-profile writes for the target, parsed as the suite will, and its text."""
    argv = ["--base-url", base_url, "--username", shipped.credentials.username]
    argv += ["--password", shipped.credentials.password, "--out", str(out), *key_args]
    assert init_profile(argv) == 0
    return load_profile(out), out.read_text()


def assert_no_verdict_from_the_profile(
    profile: Profile, expected: dict[Outcome, str], timing: frozenset[str] = frozenset()
) -> None:
    """The suite with the written profile: every FAIL or ERROR is one the target's own test
    asserts as a FAIL with the hand-written profile, or a defect that profile owns up to
    (DECLARED: a team's word, e.g. `login_throttle = false`, which no probe writes for it).
    Fewer is fine: a key init-profile cannot see, such as a hook to disable a user, leaves its
    cases skipped."""
    suite = run_suite(profile)
    asserted = set(expected[Outcome.FAIL].split()) | set(expected[Outcome.DECLARED].split())
    asserted |= timing
    new = {
        result.case.id: (result.outcome.name, result.detail)
        for result in suite.results
        if result.outcome in (Outcome.FAIL, Outcome.ERROR) and result.case.id not in asserted
    }
    assert not new, new


def test_init_profile_on_the_fastapi_users_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = test_fastapi_users._profile(tmp_path)
    assert shipped.signing.secret
    monkeypatch.setenv(SECRET_ENV, shipped.signing.secret)
    with running(shipped) as base_url:
        profile, text = written(
            base_url, shipped, tmp_path / "generated.toml", "--secret-env", SECRET_ENV
        )
        # The refresh endpoint the OpenAPI document lists, reached with the login's
        # (Secure) cookie, and the cookie each refresh sets again seen as a new token.
        assert profile.refresh.path == "/auth/jwt/refresh", text
        assert profile.refresh.transport == "cookie", text
        assert profile.refresh.field == "refresh_token", text
        assert profile.refresh.returns_new_refresh is True, text
        assert profile.capabilities.rotation is False, text
        # aud is a one-element list in both tokens, and only it tells the kinds apart.
        assert profile.claims.kind_by == "audience", text
        assert profile.claims.access_audience == "fastapi-users:auth", text
        assert profile.claims.refresh_audience == "fastapi-users:refresh", text
        assert profile.claims.audience == "", text
        # No iat: the lifetimes are read against the answer's Date.
        assert (profile.lifetimes.access, profile.lifetimes.refresh) == (900, 604800), text
        assert profile.claims.subject == "sub", text
        assert (profile.login.path, profile.login.encoding) == ("/auth/jwt/login", "form")
        assert profile.protected_paths[:1] == ("/authenticated-route",), text
        assert profile.rejection.login == (400,), text
        assert_no_verdict_from_the_profile(
            profile, test_fastapi_users.EXPECTED, frozenset(test_fastapi_users.TIMING)
        )


@pytest.mark.usefixtures("node_targets")  # the Node targets' packages, once a session
def test_init_profile_on_the_fastify_jwt_api(tmp_path: Path) -> None:
    shipped = load_profile(test_fastify_jwt.PROFILE)
    key = test_fastify_jwt.PROFILE.parent / "test-only-es256-private.pem"
    with running(shipped) as base_url:
        profile, text = written(
            base_url, shipped, tmp_path / "generated.toml", "--private-key-file", str(key)
        )
        assert profile.refresh.path == "/refresh", text
        assert profile.refresh.transport == "cookie", text
        assert profile.refresh.field == "refreshToken", text
        assert profile.refresh.returns_new_refresh is True, text
        assert profile.capabilities.rotation is False, text
        # No marker and one key: no kind_by claims a second key; the comment says why.
        assert profile.claims.kind_by == "claim" and profile.claims.type == "type", text
        assert "kind_by = " not in text, text
        assert "accepted the refresh token as an access token" in text, text
        # sub is "1", username "alice": forging each shows /refresh finds the user by username.
        assert profile.claims.subject == "username", text
        assert "the server finds its user by username" in text, text
        assert profile.signing.algorithm == "ES256" and profile.signing.can_forge, text
        assert_no_verdict_from_the_profile(profile, test_fastify_jwt.EXPECTED)
        # Without the key it cannot tell: sub (RFC 7519 §4.1.2), and the comment names the
        # other claim holding the login name. The suite then forges nothing.
        keyless, text = written(base_url, shipped, tmp_path / "keyless.toml")
        assert keyless.claims.subject == "sub", text
        assert "username = 'alice' holds the login name" in text, text
        assert keyless.refresh.returns_new_refresh is True, text
        assert_no_verdict_from_the_profile(keyless, test_fastify_jwt.EXPECTED)


@pytest.mark.usefixtures("node_targets")  # the Node targets' packages, once a session
def test_init_profile_on_the_jose_api(tmp_path: Path) -> None:
    shipped = load_profile(test_jose_http.PROFILE)
    key = test_jose_http.PROFILE.parent / "test-only-ed25519-private.pem"
    with running(shipped) as base_url:
        profile, text = written(
            base_url, shipped, tmp_path / "generated.toml", "--private-key-file", str(key)
        )
        # No OpenAPI document: /api/profile is among the usual paths now, and with it the 401
        # for no token and the 403 for a bad one: a garbage and an expired (forged) token get
        # 403 alike, so 403 is the API's status for a bad token, as its team writes it.
        assert profile.protected_paths[:1] == ("/api/profile",), text
        assert profile.rejection.missing == (401,), text
        assert profile.rejection.statuses == (403,), text
        assert profile.rejection.tolerated == (), text
        assert profile.rejection.refresh == (401,), text
        assert profile.claims.subject == "sub", text
        assert profile.claims.kind_by == "header", text
        assert (profile.claims.access_type, profile.claims.refresh_type) == (
            "at+jwt",
            "refresh+jwt",
        ), text
        assert profile.refresh.path == "/auth/refresh" and profile.refresh.transport == "json"
        assert profile.capabilities.rotation is True, text
        # The logout ignores a bearer token: the same call without one ends the same session.
        assert [(r.path, r.bearer, r.refresh) for r in profile.logout] == [
            ("/auth/logout", "none", "json")
        ], text
        assert_no_verdict_from_the_profile(profile, test_jose_http.EXPECTED)
        # Without the key, 403 to a garbage token alone may be a habit for malformed tokens
        # only: tolerated (NON-STRICT), 401 kept as the status for a bad token.
        keyless, text = written(base_url, shipped, tmp_path / "keyless.toml")
        assert keyless.rejection.statuses == (401,) and keyless.rejection.tolerated == (403,)
        assert keyless.claims.subject == "sub", text
        assert_no_verdict_from_the_profile(keyless, test_jose_http.EXPECTED)
