"""Profile parsing: shipped profiles load; mistakes are refused with the key named."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from conformance.profile import ProfileError, default_profile_path, load_profile, parse_profile
from tests.conformance.case_context import MINIMAL_PROFILE

PROFILES = default_profile_path().parent

MINIMAL = MINIMAL_PROFILE


def parse(extra: str = "", base: str = MINIMAL) -> Any:
    return parse_profile(tomllib.loads(base + extra))


def test_every_shipped_profile_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_JWT_SECRET", "s" * 64)
    names = sorted(path.name for path in PROFILES.glob("*.toml"))
    assert "reference.toml" in names and "example-acme.toml" in names
    for name in names:
        assert load_profile(PROFILES / name).credentials.username


def test_reference_profile_is_in_process_and_frozen() -> None:
    profile = load_profile(default_profile_path())
    assert profile.target.in_process and profile.time.mode == "freeze"


def test_example_profile_declares_the_differences(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_JWT_SECRET", "s" * 64)
    profile = load_profile(PROFILES / "example-acme.toml")
    assert profile.login.encoding == "form"
    assert (profile.login.access_token_field, profile.login.refresh_token_field) == (
        "access",
        "refresh",
    )
    assert profile.refresh.transport == "bearer" and profile.refresh.path == "/auth/refresh"
    assert profile.rejection.tolerated == (422,)
    assert len(profile.logout) == 2 and profile.logout[1].refresh == "form"
    assert profile.signing.secret == "s" * 64


def test_defaults() -> None:
    profile = parse()
    assert profile.rejection.statuses == (401,) and profile.rejection.refresh == (401,)
    assert profile.refresh.transport == "json" and profile.logout == ()
    assert profile.time.mode == "forge" and not profile.signing.can_forge


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[refresh]\ntransport = "xml"',
            "profile error: [refresh] transport: "
            "expected one of json, form, bearer, cookie, got 'xml'",
        ),
        ("[login]\npaht = '/x'", "profile error: [login] paht: unknown key"),
        ("[capabilitys]\nrotation = true", "profile error: [] capabilitys: unknown key"),
        ("[capabilities]\nrotation = 'yes'", "[capabilities] rotation: expected true or false"),
        ("[lifetimes]\naccess = -5", "[lifetimes] access: expected an integer >= 1"),
        ("[lifetimes]\naccess = 1.5", "[lifetimes] access: expected an integer, got a number 1.5"),
        ("[rejection]\nstatuses = [200]", "[rejection] statuses: expected a list of 4xx statuses"),
        ("[time]\nmode = 'freeze'", "[time] mode: 'freeze' needs an in-process target"),
        ("[time]\nmode = 'sometimes'", "[time] mode: expected one of freeze, clock, forge, wait"),
        ("[login]\nencoding = 'xml'", "[login] encoding: expected one of json, form"),
        ("[login]\npath = 'login'", "[login] path: expected a path starting with '/'"),
        (
            "[refresh]\nreturns_new_refresh = false\n[capabilities]\nrotation = true",
            "[capabilities] rotation: needs [refresh] returns_new_refresh = true",
        ),
        (
            "[capabilities]\nreuse_detection = true",
            "[capabilities] reuse_detection: needs rotation",
        ),
        ("[capabilities]\nrate_limit = true", "[rate_limit] limit: capabilities.rate_limit needs"),
        ("[capabilities]\npersistence = true", "[capabilities] persistence: needs a [restart]"),
        (
            "[signing]\nsecret_env = 'NO_SUCH_VARIABLE_42'",
            "environment variable NO_SUCH_VARIABLE_42",
        ),
        ("[signing]\nalgorithm = 'HS257'", "[signing] algorithm: expected one of"),
        ("[signing]\nalgorithm = 'RS256'\nsecret = 'x'", "[signing] secret: RS256 is asymmetric"),
        (
            "[signing]\nalgorithm = 'RS256'\nprivate_key_file = 'missing.pem'",
            "[signing] private_key_file: cannot read",
        ),
        (
            "[disable_user]\nrequest = 'POST /x'",
            "[disable_user]: give both disable_user and enable_user",
        ),
        (
            "[disable_user]\nrequest = 'SHOUT /x'\n[enable_user]\nrequest = 'POST /y'",
            "[disable_user] request: expected 'METHOD /path'",
        ),
        (
            "[disable_user]\ncommand = 'x'\nrequest = 'POST /x'\n[enable_user]\ncommand = 'y'",
            "[disable_user]: give exactly one of command or request",
        ),
        (
            "[[logout]]\nbearer = 'id_token'",
            "[logout.0] bearer: expected one of access, refresh, none",
        ),
        ("[claims]\naccess_type = 'x'\nrefresh_type = 'x'", "[claims] refresh_type: must differ"),
        # An empty type claim used to forge tokens with a claim literally named "".
        ('[claims]\ntype = ""', "profile error: [claims] type: must not be empty"),
        ('[claims]\ntype = "  "', 'set kind_by = "key" or "audience"'),
        ('[claims]\naccess_type = ""', "profile error: [claims] access_type: must not be empty"),
        ('[claims]\nsubject = ""', "profile error: [claims] subject: must not be empty"),
        (
            '[claims]\nkind_by = "signature"',
            "profile error: [claims] kind_by: expected one of claim, header, key, audience, "
            "got 'signature'",
        ),
        ('[claims]\nkind_by = ""', "[claims] kind_by: expected one of claim, header, key"),
        (
            '[claims]\nkind_by = "audience"\naccess_audience = "api"',
            '[claims] refresh_audience: kind_by = "audience" needs the aud value of each kind',
        ),
        (
            '[claims]\nkind_by = "audience"\naccess_audience = "a"\nrefresh_audience = "a"',
            "[claims] refresh_audience: must differ from access_audience",
        ),
        ('[claims]\naccess_audience = "a"', "[claims] access_audience: only used with kind_by"),
        (
            '[refresh]\ntoken_format = "random"',
            "profile error: [refresh] token_format: expected one of jwt, opaque, got 'random'",
        ),
        (
            '[refresh]\ntoken_format = "opaque"\n[signing]\nsecret = "a"\n'
            '[signing.refresh]\nsecret = "b"',
            '[signing.refresh]: [refresh] token_format = "opaque" says refresh tokens are not JWTs',
        ),
        (
            '[claims]\nkind_by = "key"\n[signing]\nsecret = "a"\n[signing.refresh]\nsecret = "a"',
            '[signing.refresh]: kind_by = "key" says access and refresh tokens are signed with '
            "different keys",
        ),
        (
            '[signing]\nsecret = "a"\n[signing.refresh]\nalgorithm = "RS256"\nsecret = "b"',
            "profile error: [signing.refresh] secret: RS256 is asymmetric",
        ),
        (
            "[signing.refresh]\nsecret_env = 'NO_SUCH_VARIABLE_42'",
            "[signing.refresh] secret_env: environment variable NO_SUCH_VARIABLE_42",
        ),
        ("[signing.refresh]\nsecrt = 'x'", "profile error: [signing.refresh] secrt: unknown key"),
    ],
)
def test_bad_values_name_the_key(extra: str, message: str) -> None:
    with pytest.raises(ProfileError) as raised:
        parse(extra)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("base", "message"),
    [
        (
            MINIMAL.replace('base_url = "http://127.0.0.1:9"', ""),
            "[target]: give base_url, app (module:attr) or command",
        ),
        (MINIMAL.replace("http://127.0.0.1:9", "ftp://x"), "[target] base_url: expected an http"),
        (MINIMAL.replace('password = "p"', ""), "[credentials] password: required"),
        (MINIMAL.replace('protected = ["/me"]', "protected = []"), "[paths] protected: give at"),
        (MINIMAL.replace('protected = ["/me"]', 'protected = "/me"'), "expected a list of strings"),
    ],
)
def test_missing_or_malformed_required_keys(base: str, message: str) -> None:
    with pytest.raises(ProfileError) as raised:
        parse(base=base)
    assert message in str(raised.value)


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[target\nname = 1")
    with pytest.raises(ProfileError, match="is not valid TOML"):
        load_profile(broken)


def test_key_files_resolve_next_to_the_profile(tmp_path: Path) -> None:
    (tmp_path / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    profile_file = tmp_path / "p.toml"
    profile_file.write_text(
        MINIMAL + "[signing]\nalgorithm = 'RS256'\nprivate_key_file = 'key.pem'\n"
    )
    assert load_profile(profile_file).signing.private_key.startswith("-----BEGIN")


def test_with_base_url_points_an_in_process_profile_at_http() -> None:
    profile = load_profile(default_profile_path()).with_base_url("http://127.0.0.1:8000/")
    assert profile.target.base_url == "http://127.0.0.1:8000" and not profile.target.in_process


def test_token_kinds_and_per_kind_keys() -> None:
    profile = parse(
        '[refresh]\ntoken_format = "jwt"\n[claims]\nkind_by = "key"\n'
        '[signing]\nsecret = "access-secret"\n[signing.refresh]\nsecret = "refresh-secret"'
    )
    assert profile.claims.kind_by == "key" and not profile.claims.marked
    assert profile.signing.secret == "access-secret"
    assert profile.refresh_key.secret == "refresh-secret"
    # Without [signing.refresh], refresh tokens are signed with the [signing] key.
    assert parse('[signing]\nsecret = "one"').refresh_key.secret == "one"
    header = parse('[claims]\nkind_by = "header"').claims
    assert (header.access_type, header.refresh_type) == ("at+jwt", "rt+jwt")
    opaque = parse('[refresh]\ntoken_format = "opaque"')
    assert opaque.refresh.opaque and not parse().refresh.opaque


def test_the_worked_profiles_of_the_design_guide_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACCESS_TOKEN_SECRET", "REFRESH_TOKEN_SECRET", "API_JWT_SECRET", "APP_JWT_SECRET"):
        monkeypatch.setenv(name, f"{name.lower()}-0123456789")
    worked = Path(__file__).resolve().parents[2] / "docs" / "profiles"
    tutorial = load_profile(worked / "two-secret-tutorial.toml")
    assert tutorial.claims.kind_by == "key" and tutorial.refresh_key.secret.startswith("refresh")
    assert tutorial.rejection.missing == (401,) and tutorial.rejection.user_gone == (404,)
    assert tutorial.target.command == "node server.js"
    opaque = load_profile(worked / "opaque-refresh-database.toml")
    assert opaque.refresh.opaque and opaque.claims.kind_by == "header"
    cookie = load_profile(worked / "refresh-cookie.toml")
    assert cookie.cookie_transport and cookie.logout[0].refresh == "cookie"
    assert "rate_limit" in opaque.capabilities.declared_absent
