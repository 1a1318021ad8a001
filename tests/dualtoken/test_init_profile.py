"""init-profile, proven: against the reference server (plain, rotation, cookie) and the preset
apps, the profile it writes agrees with the hand-written one on every key a probe can discover,
and the suite runs with it without a profile error."""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.cli import main as conformance_main
from conformance.profile import Profile, load_profile
from dualtoken.init_profile import main as init_profile
from tests.servers import reference_server
from tests.targets.presets import PRESETS, install_node_packages, running

pytestmark = pytest.mark.slow

PROFILES = Path(__file__).resolve().parents[2] / "conformance" / "profiles"
DEV_SECRET = "dualtoken-dev-secret/never-use-this-one-in-production"
SECRET_ENV = "INIT_PROFILE_TEST_SECRET"


@dataclass(frozen=True)
class Target:
    name: str
    hand_written: Path
    # Keys the hand-written profile states that a probe cannot see from outside.
    unprobed: frozenset[str] = frozenset()


REFERENCE_TARGETS = {
    "reference": (Target("reference", PROFILES / "reference-http.toml"), {}),
    "reference-rotation": (
        Target("reference-rotation", PROFILES / "reference-rotation.toml"),
        {"DUALTOKEN_ROTATION": "1"},
    ),
    "reference-cookie": (
        Target("reference-cookie", PROFILES / "reference-cookie.toml"),
        {"DUALTOKEN_REFRESH_COOKIE": "1", "DUALTOKEN_COOKIE_SECURE": "0"},
    ),
}


def discoverable(profile: Profile) -> dict[str, object]:
    """The keys a probe of a running server can discover, from a parsed profile."""
    values: dict[str, object] = {
        "login.path": profile.login.path,
        "login.encoding": profile.login.encoding,
        "login.username_field": profile.login.username_field,
        "login.password_field": profile.login.password_field,
        "login.access_token_field": profile.login.access_token_field,
        "refresh.path": profile.refresh.path,
        "refresh.transport": profile.refresh.transport,
        "refresh.access_token_field": profile.refresh.access_token_field,
        "refresh.returns_new_refresh": profile.refresh.returns_new_refresh,
        # Which method and path; whether a call also carries a token the server ignores is not.
        "logout": [(r.method, r.path) for r in profile.logout],
        "logout.bearer_refresh": [r.bearer == "refresh" for r in profile.logout],
        "paths.protected": profile.protected_paths[:1],
        "signing.algorithm": profile.signing.algorithm,
        "claims.subject": profile.claims.subject,
        "claims.type": profile.claims.type,
        "claims.access_type": profile.claims.access_type,
        "claims.refresh_type": profile.claims.refresh_type,
        "claims.required": sorted(profile.claims.required),
        "lifetimes.access": profile.lifetimes.access,
        "lifetimes.refresh": profile.lifetimes.refresh,
        "rejection.statuses": profile.rejection.statuses,
        "rejection.tolerated": profile.rejection.tolerated,
        "rejection.refresh": profile.rejection.refresh,
        "rejection.login": profile.rejection.login,
        "capabilities.rotation": profile.capabilities.rotation,
        "capabilities.reuse_detection": profile.capabilities.reuse_detection,
        "capabilities.logout_revokes_access": profile.capabilities.logout_revokes_access,
    }
    if profile.refresh.transport != "bearer":
        values["refresh.field"] = profile.refresh.field
    if profile.refresh.transport != "cookie":
        values["login.refresh_token_field"] = profile.login.refresh_token_field
    values["login.expires_in_field"] = profile.login.expires_in_field
    values["login.token_type_field"] = profile.login.token_type_field
    return values


@contextlib.contextmanager
def secret_in_env(secret: str) -> Iterator[None]:
    os.environ[SECRET_ENV] = secret
    try:
        yield
    finally:
        del os.environ[SECRET_ENV]


def generate(base_url: str, out: Path, capsys: pytest.CaptureFixture[str]) -> Profile:
    argv = ["--base-url", base_url, "--username", "user1", "--password", "password123"]
    assert init_profile([*argv, "--secret-env", SECRET_ENV, "--out", str(out)]) == 0
    capsys.readouterr()
    return load_profile(out)


def assert_agrees(generated: Profile, hand_written: Profile, text: str) -> None:
    ours, theirs = discoverable(generated), discoverable(hand_written)
    differing = {key: (ours[key], theirs.get(key)) for key in ours if ours[key] != theirs.get(key)}
    assert not differing, f"generated vs hand-written: {differing}\n{text}"


def suite_runs(profile_path: Path, base_url: str) -> str:
    console = io.StringIO()
    argv = ["--profile", str(profile_path), "--base-url", base_url]
    argv += ["--select", "LOGIN-OK", "REFRESH-OK", "LOGOUT-REVOKE-01"]
    with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
        code = conformance_main(argv)
    output = console.getvalue()
    assert "profile error" not in output and code in (0, 1), output
    assert " 0 errors" in output, output
    return output


@pytest.mark.parametrize("name", sorted(REFERENCE_TARGETS))
def test_init_profile_matches_the_reference_server_profiles(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target, env = REFERENCE_TARGETS[name]
    out = tmp_path / "generated.toml"
    settings = {"DUALTOKEN_TEST_CLOCK": "1", "DUALTOKEN_REFRESH_RATE_LIMIT": "0", **env}
    with reference_server(settings) as server, secret_in_env(DEV_SECRET):
        generated = generate(server.base_url, out, capsys)
        hand_written = load_profile(target.hand_written)
        assert_agrees(generated, hand_written, out.read_text())
        assert generated.time.mode == "clock"
        suite_runs(out, server.base_url)


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_init_profile_matches_each_preset(
    preset: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.targets.presets import Preset

    assert isinstance(preset, Preset)
    if preset.needs_node and install_node_packages().endswith("package-lock.json is missing"):
        pytest.skip("tests/targets/node/ (express, jsonwebtoken) is not here yet")
    secret = secrets.token_urlsafe(36)
    out = tmp_path / "generated.toml"
    with running(preset, secret) as base_url, secret_in_env(secret):
        generated = generate(base_url, out, capsys)
        os.environ[preset.secret_env] = secret
        try:
            hand_written = load_profile(preset.profile)
        finally:
            del os.environ[preset.secret_env]
        assert_agrees(generated, hand_written, out.read_text())
        assert generated.time.mode == "forge"
        suite_runs(out, base_url)
