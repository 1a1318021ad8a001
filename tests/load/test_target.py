"""The adapter from the conformance profile format to the load clients' facts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conformance.forge import decode_unverified
from load.target import ProfileError, load_target, read_profile_text

PROFILE = """
[target]
base_url = "http://127.0.0.1:9999"
[credentials]
username = "alice"
password = "pw"
[login]
path = "/auth/login"
encoding = "form"
access_token_field = "token"
refresh_token_field = "renew"
[refresh]
path = "/auth/renew"
transport = "cookie"
field = "rt"
returns_new_refresh = true
rotation_grace = 3
[[logout]]
path = "/auth/logout"
[paths]
protected = ["/api/me", "/api/other"]
[signing]
algorithm = "HS256"
secret = "a-test-secret-that-is-long-enough-for-hs256"
[lifetimes]
access = 60
leeway = 2
[time]
mode = "forge"
[rejection]
statuses = [401]
tolerated = [403]
refresh = [400, 401]
[capabilities]
rotation = true
reuse_detection = true
"""


def test_profile_facts_reach_the_load_target() -> None:
    target = load_target(PROFILE, source="<test>")
    assert target.base_url == "http://127.0.0.1:9999"
    assert (target.login_path, target.login_encoding) == ("/auth/login", "form")
    assert (target.access_field, target.refresh_field) == ("token", "renew")
    assert (target.refresh_transport, target.refresh_carrier_field) == ("cookie", "rt")
    assert target.protected_path == "/api/me"
    assert target.rejections == (401, 403)
    assert target.refresh_rejections == (400, 401)
    assert (target.rotation, target.rotation_grace) == (True, 3)
    assert target.time_mode == "forge"
    assert target.expiry_step == 60 + 2 + 1


def test_expired_copy_keeps_claims_and_moves_time_back() -> None:
    import jwt

    target = load_target(PROFILE, source="<test>")
    now = time.time()
    original = jwt.encode(
        {"sub": "alice", "jti": "j1", "iat": int(now), "exp": int(now) + 60, "extra": 1},
        target.signing.secret,
        algorithm="HS256",
    )
    forged = target.expired_copy(original, now)
    claims = jwt.decode(
        forged, target.signing.secret, algorithms=["HS256"], options={"verify_exp": False}
    )
    assert (claims["sub"], claims["jti"], claims["extra"]) == ("alice", "j1", 1)
    assert claims["exp"] <= now - target.leeway - 1
    assert decode_unverified(forged)[1]["iat"] < claims["exp"]


def test_overrides_and_their_checks() -> None:
    clock = load_target(PROFILE, source="<test>", base_url="http://localhost:1/", time_mode="clock")
    assert (clock.base_url, clock.time_mode) == ("http://localhost:1", "clock")
    assert load_target(PROFILE, source="<t>", time_mode="wait", access_lifetime=3).expiry_step == 6
    with pytest.raises(ProfileError, match="'wait' would wait 63s"):
        load_target(PROFILE, source="<t>", time_mode="wait")
    with pytest.raises(ProfileError, match="expected one of clock, forge, wait"):
        load_target(PROFILE, source="<t>", time_mode="freeze-dried")
    with pytest.raises(ProfileError, match="--host"):
        load_target(PROFILE, source="<t>", base_url="ftp://x")


def test_forge_mode_needs_a_key() -> None:
    keyless = PROFILE.replace('secret = "a-test-secret-that-is-long-enough-for-hs256"', "")
    with pytest.raises(ProfileError, match="'forge' needs a signing key"):
        load_target(keyless, source="<t>")
    assert load_target(keyless, source="<t>", time_mode="clock").can_forge is False


def test_the_reference_profile_needs_a_url_and_maps_freeze_to_clock() -> None:
    text, source = read_profile_text(None)
    with pytest.raises(ProfileError, match="give the target's URL with --host"):
        load_target(text, source=source)
    target = load_target(text, source=source, base_url="http://127.0.0.1:8000")
    assert target.time_mode == "clock"
    assert target.can_forge


def test_unreadable_profiles_say_so(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read"):
        read_profile_text(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[target\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid TOML"):
        read_profile_text(broken)
