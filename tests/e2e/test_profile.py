"""Client profiles: every key checked, every error naming its section and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from e2e.profile import ProfileError, load_client_profile, parse_client_profile
from tests.e2e.conftest import CLIENTS, PROFILES


def minimal(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "index.html").write_text("<!doctype html>")
    return {
        "app": {"static": str(tmp_path)},
        "login": {
            "username_selector": "#u",
            "password_selector": "#p",
            "submit_selector": "#go",
        },
        "burst": {"script": "(n) => window.fire(n)"},
        "login_view": {"url": "/login"},
    }


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(ProfileError) as caught:
        parse_client_profile(data)
    return str(caught.value)


def test_a_minimal_profile_gets_the_defaults(tmp_path: Path) -> None:
    profile = parse_client_profile(minimal(tmp_path))
    assert profile.api.rotation is True
    assert profile.api.cookie is False
    assert profile.api.refresh_path == "/refresh"
    assert profile.login.username == "user1"
    assert not profile.logout.declared
    assert not profile.storage.declared


def test_every_shipped_and_test_profile_loads() -> None:
    shipped = sorted(PROFILES.glob("*.toml"))
    assert {path.stem for path in shipped} >= {"frontend-queue", "frontend-promise"}
    for path in [*shipped, *CLIENTS.glob("plainfetch/*.toml")]:
        load_client_profile(path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["login"].pop("password_selector"), "[login] password_selector: required"),
        (lambda d: d["burst"].pop("script"), "[burst] script: required"),
        (lambda d: d.pop("login_view"), "[login_view]: give url or selector"),
        (lambda d: d["login_view"].update(url="(("), "[login_view] url: not a regular expression"),
        (lambda d: d["api"].update(cookie="yes") if "api" in d else d.update(api={"cookie": 1}),
         "[api] cookie: expected true or false"),
        (lambda d: d["app"].update(url="http://127.0.0.1:1"), "[app]: give exactly one of url"),
        (lambda d: d["app"].update(static="/nonexistent"), "[app] static: no index.html"),
        (lambda d: d["storage"].update(area="disk") if "storage" in d
         else d.update(storage={"area": "disk"}), "[storage] area: expected one of local, session"),
        (lambda d: d["burst"].update(clicks=3), "[burst] clicks: unknown key"),
        (lambda d: d.update(extra={}), "extra: unknown key"),
    ],
)  # fmt: skip
def test_errors_name_the_key(tmp_path: Path, edit: Any, message: str) -> None:
    data = minimal(tmp_path)
    edit(data)
    assert message in error_of(data)


def test_a_login_url_replaces_the_form_selectors(tmp_path: Path) -> None:
    data = minimal(tmp_path)
    data["login"] = {"url": "/dev/auto-login"}
    assert parse_client_profile(data).login.url == "/dev/auto-login"


def test_unreadable_and_invalid_files_are_profile_errors(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read"):
        load_client_profile(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[app\n")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_client_profile(broken)
