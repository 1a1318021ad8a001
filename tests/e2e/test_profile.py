"""Client profiles: every key checked, every error naming its section and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest

from e2e.app import AppLaunch
from e2e.profile import ApiSpec, ProfileError, load_client_profile, parse_client_profile
from e2e.runner import paths_under_base_url
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
        (lambda d: d["app"].update(url="http://127.0.0.1:1"), "[app] url: a static app is served"),
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


def started(data: dict[str, Any], **app: Any) -> dict[str, Any]:
    """*data* with an app the suite starts by a command, instead of a static folder."""
    data["app"] = {"command": "npm run dev -- --port {port}", **app}
    return data


@pytest.mark.parametrize(
    ("app", "message"),
    [
        ({"command": "serve --port {prot}"}, "[app] command: unknown placeholder {prot}"),
        ({"env": {"API": "{api}"}}, "[app] env: API: unknown placeholder {api}"),
        ({"env": {"PORT": 5173}}, "[app] env: PORT: expected a string, got an integer"),
        ({"url": "http://127.0.0.1:{api_url}"}, "[app] url: unknown placeholder {api_url}"),
        ({"url": "127.0.0.1:{port}"}, "[app] url: expected an http(s):// URL"),
        ({"cwd": "no/such/folder"}, "[app] cwd: no such folder"),
        ({"ready_timeout": 0}, "[app] ready_timeout: expected a number >= 1"),
        ({"api_param": "api url"}, "[app] api_param: expected a query parameter name"),
        ({"api_param": ""}, "[app] api_param: expected a query parameter name"),
        ({"static": "."}, "[app] command: a static app is served by the suite"),
        ({"command": 3}, "[app] command: expected a string, got an integer"),
        ({"proxies_api": "yes"}, "[app] proxies_api: expected true or false"),
    ],
)
def test_app_command_errors_name_the_key(tmp_path: Path, app: dict[str, Any], message: str) -> None:
    assert message in error_of(started(minimal(tmp_path), **app))


@pytest.mark.parametrize(
    ("app", "message"),
    [
        ({"url": "http://127.0.0.1:{port}"}, "[app] url: {port} needs a command"),
        ({"url": "http://127.0.0.1:5173", "env": {"A": "b"}}, "[app] env: only used with"),
        ({"url": "http://127.0.0.1:5173", "cwd": "."}, "[app] cwd: only used with"),
        ({}, "[app]: give url, command or static"),
        ({"static": ".", "proxies_api": True}, "[app] proxies_api: a static app is already"),
    ],
)
def test_app_keys_without_a_command_name_the_key(
    tmp_path: Path, app: dict[str, Any], message: str
) -> None:
    data = minimal(tmp_path)
    data["app"] = app
    assert message in error_of(data)


def test_a_started_app_gets_a_free_port_and_keeps_shell_braces(tmp_path: Path) -> None:
    data = started(
        minimal(tmp_path),
        command="PORT=${PORT} npm run dev -- --port {port} --define '{\"a\": 1}'",
        env={"VITE_API_URL": "{api_url}", "OLD": "{app_port}"},
    )
    app = parse_client_profile(data, base_dir=tmp_path).app
    assert app.url == "http://127.0.0.1:{port}"  # the port is picked when the run starts
    assert app.env == {"VITE_API_URL": "{api_url}", "OLD": "{app_port}"}


def test_a_proxy_target_gets_the_api_s_origin_without_its_prefix(tmp_path: Path) -> None:
    data = started(minimal(tmp_path), env={"PROXY": "{api_origin}", "API": "{api_url}"})
    launch = AppLaunch(parse_client_profile(data, base_dir=tmp_path).app)
    with patch("e2e.app.TargetProcess") as process:
        process.return_value.start = AsyncMock()
        process.return_value.stop = AsyncMock()
        with launch.running("http://127.0.0.1:8000/api/v1"):
            pass
    spec = process.call_args.args[0]
    assert spec.env == {"PROXY": "http://127.0.0.1:8000", "API": "http://127.0.0.1:8000/api/v1"}
    data = started(minimal(tmp_path), url="http://127.0.0.1:{api_origin}")
    assert "[app] url: unknown placeholder {api_origin}" in error_of(data)


@pytest.mark.parametrize(
    ("api", "message"),
    [
        ({"login_path": "/api/v1/login"}, "[api] login_path: the embedded reference server serves"),
        ({"protected_paths": ["/api/v1/me"]}, "[api] protected_paths: the embedded reference"),
    ],
)
def test_an_embedded_api_under_a_prefix_names_the_key(
    tmp_path: Path, api: dict[str, Any], message: str
) -> None:
    data = minimal(tmp_path)
    data["api"] = api
    assert message in error_of(data) and "give [api] server_profile" in error_of(data)
    # Behind the app's own proxy they are the paths the browser calls, which it may rewrite.
    data = started(data, proxies_api=True)
    assert parse_client_profile(data, base_dir=tmp_path).api.login_path == api.get(
        "login_path", "/login"
    )


def test_a_base_url_s_path_is_put_before_every_api_path() -> None:
    spec = ApiSpec(login_path="/auth/login", protected_paths=("/me", "/items"))
    under = paths_under_base_url(spec, "http://127.0.0.1:8000/api/v1/")
    assert (under.login_path, under.refresh_path, under.logout_path) == (
        "/api/v1/auth/login",
        "/api/v1/refresh",
        "/api/v1/logout",
    )
    assert under.protected_paths == ("/api/v1/me", "/api/v1/items")
    assert paths_under_base_url(spec, "http://127.0.0.1:8000") == spec


def test_the_shipped_dev_server_profiles_point_at_the_api_one_way_each() -> None:
    by_env = load_client_profile(CLIENTS / "plainfetch" / "profile-devserver-env.toml")
    by_param = load_client_profile(CLIENTS / "plainfetch" / "profile-devserver-param.toml")
    assert by_env.app.env["PLAINFETCH_API"] == "{api_url}" and not by_env.app.api_param
    assert by_param.app.api_param == "api" and "PLAINFETCH_API" not in by_param.app.env
    assert by_env.login.url == "/dev/login" and by_env.logout.script
    assert by_param.app.cwd == by_env.app.cwd == CLIENTS / "plainfetch"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"login": {"url": "dev/login"}}, "[login] url: expected a path starting with '/'"),
        ({"login": {"url": 1}}, "[login] url: expected a string"),
        ({"logout": {"script": "() => 1", "selector": "#out"}}, "[logout] script: give selector"),
        ({"logout": {"script": "  "}}, "[logout] script: empty"),
        ({"logout": {"script": False}}, "[logout] script: expected a string"),
        ({"api": {"server_profile": "missing.toml"}}, "[api] server_profile: no such file"),
        ({"api": {"server_profile": 1}}, "[api] server_profile: expected a string"),
    ],
)
def test_login_logout_and_api_errors_name_the_key(
    tmp_path: Path, section: dict[str, Any], message: str
) -> None:
    data = minimal(tmp_path)
    data.update(section)
    with pytest.raises(ProfileError) as caught:
        parse_client_profile(data, base_dir=tmp_path)
    assert message in str(caught.value)


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
