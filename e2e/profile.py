"""Client profiles: one TOML file says how the suite drives a team's single-page app.

It reuses the server profiles' table reader, so every key is checked the same way: an unknown
key or a bad value raises `ProfileError` naming the section and the key, e.g.
`profile error: [login] username_selector: required`.

```toml
[app]
name = "acme-spa"
url = "http://127.0.0.1:5173"        # an app already running (or started by `command`) ...
static = "dist"                      # ... or a built folder the suite serves from the API's origin
command = "npm run dev -- --port {app_port}"   # optional: the suite starts and stops it
env = { VITE_API_URL = "{api_url}" } # {api_url}, {app_port} are substituted
api_param = "api"                    # optional: ?api=<API URL> on every page the suite opens
query = "scheme=queue"               # optional: appended to every page the suite opens

[api]                                # the API behind the app: the embedded reference server
rotation = true                      # rotate refresh tokens (the default)
cookie = false                       # refresh token in an HttpOnly cookie

[login]
page = "/login"
username_selector = "#username"
password_selector = "#password"
submit_selector = "button[type=submit]"
username = "user1"
password = "password123"

[burst]                              # how to make the app fire N authenticated requests at once
page = "/dashboard"
script = "async (n) => { ... return {ok, failed} }"   # resolves once every call has settled

[login_view]                         # how to tell the app shows its login view
url = "/login"                       # a regular expression searched in the page's URL
selector = "#login-form"             # or: an element that is visible only there

[logout]
selector = "#logout"

[storage]                            # optional: where tokens live, for the storage checks
area = "local"
access_key = "access_token"
refresh_key = "refresh_token"
```
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from conformance.profile import ProfileError, _Table

__all__ = [
    "ApiSpec",
    "AppSpec",
    "BurstSpec",
    "ClientProfile",
    "LoginSpec",
    "LoginViewSpec",
    "LogoutSpec",
    "ProfileError",
    "StorageSpec",
    "load_client_profile",
    "parse_client_profile",
]

StorageArea = Literal["local", "session"]
STORAGE_AREAS: tuple[StorageArea, ...] = ("local", "session")


@dataclass(frozen=True)
class AppSpec:
    """Where the app is and how its pages learn the API's address."""

    name: str = "client"
    url: str = ""
    static: Path | None = None
    command: str = ""
    cwd: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    ready_timeout: float = 60.0
    api_param: str = ""
    query: str = ""


@dataclass(frozen=True)
class ApiSpec:
    """The API behind the app: the embedded reference server (or a team's own backend, from its
    server profile) and the paths the app calls."""

    server_profile: Path | None = None
    rotation: bool = True
    cookie: bool = False
    login_path: str = "/login"
    refresh_path: str = "/refresh"
    logout_path: str = "/logout"
    protected_paths: tuple[str, ...] = ("/protected",)


@dataclass(frozen=True)
class LoginSpec:
    page: str = "/login"
    username_selector: str = ""
    password_selector: str = ""
    submit_selector: str = ""
    username: str = "user1"
    password: str = "password123"
    # A page that logs in by itself (e.g. a dev-only auto-login route), instead of the form.
    url: str = ""


@dataclass(frozen=True)
class BurstSpec:
    page: str = ""
    script: str = ""


@dataclass(frozen=True)
class LoginViewSpec:
    url: str = ""
    selector: str = ""

    def url_matches(self, url: str) -> bool:
        return bool(self.url) and re.search(self.url, url) is not None


@dataclass(frozen=True)
class LogoutSpec:
    selector: str = ""
    script: str = ""

    @property
    def declared(self) -> bool:
        return bool(self.selector or self.script)


@dataclass(frozen=True)
class StorageSpec:
    area: StorageArea = "local"
    access_key: str = ""
    refresh_key: str = ""

    @property
    def declared(self) -> bool:
        return bool(self.access_key or self.refresh_key)


@dataclass(frozen=True)
class ClientProfile:
    app: AppSpec
    api: ApiSpec
    login: LoginSpec
    burst: BurstSpec
    login_view: LoginViewSpec
    logout: LogoutSpec
    storage: StorageSpec
    source: str = "<string>"


def _selector_or_url(table: _Table, *keys: str) -> None:
    if not any(table.has(key) for key in keys):
        raise ProfileError(f"profile error: [{table.name}]: give {' or '.join(keys)}")


def parse_client_profile(
    data: Mapping[str, object], *, source: str = "<string>", base_dir: Path | None = None
) -> ClientProfile:
    """Build a checked ClientProfile from parsed TOML; relative folders resolve against base_dir."""
    base = base_dir or Path.cwd()
    root = _Table(dict(data), "")

    table = root.table("app")
    static = table.text("static", "")
    cwd = table.text("cwd", "")
    app = AppSpec(
        name=table.text("name", "client"),
        url=table.text("url", "").rstrip("/"),
        static=(base / static).resolve() if static else None,
        command=table.text("command", ""),
        cwd=(base / cwd).resolve() if cwd else None,
        env={key: str(value) for key, value in table.mapping("env").items()},
        ready_timeout=table.number("ready_timeout", 60.0, minimum=1.0),
        api_param=table.text("api_param", ""),
        query=table.text("query", "").lstrip("?"),
    )
    table.done()
    if bool(app.url) == bool(app.static):
        raise ProfileError("profile error: [app]: give exactly one of url and static")
    if app.url and not app.url.startswith(("http://", "https://")):
        raise ProfileError(f"profile error: [app] url: expected an http(s):// URL, got {app.url!r}")
    if app.static is not None and not (app.static / "index.html").is_file():
        raise ProfileError(f"profile error: [app] static: no index.html in {app.static}")
    if app.command and not app.url:
        raise ProfileError("profile error: [app] command: needs url (where the started app is)")

    table = root.table("api")
    server_profile = table.text("server_profile", "")
    api = ApiSpec(
        server_profile=(base / server_profile).resolve() if server_profile else None,
        rotation=table.flag("rotation", True),
        cookie=table.flag("cookie", False),
        login_path=table.path("login_path", "/login"),
        refresh_path=table.path("refresh_path", "/refresh"),
        logout_path=table.path("logout_path", "/logout"),
        protected_paths=table.strings("protected_paths", ("/protected",)),
    )
    table.done()
    if api.server_profile is not None and app.static is not None:
        raise ProfileError(
            "profile error: [api] server_profile: a static app is served by the embedded API; "
            "with your own API give [app] url instead of static"
        )

    table = root.table("login")
    if not table.has("url"):
        for key in ("username_selector", "password_selector", "submit_selector"):
            table.text(key)  # required unless a login URL is given: raises naming the key
    login = LoginSpec(
        page=table.path("page", "/login"),
        username_selector=table.text("username_selector", ""),
        password_selector=table.text("password_selector", ""),
        submit_selector=table.text("submit_selector", ""),
        username=table.text("username", "user1"),
        password=table.text("password", "password123"),
        url=table.path("url", ""),
    )
    table.done()

    table = root.table("burst")
    burst = BurstSpec(page=table.path("page", ""), script=table.text("script"))
    table.done()

    table = root.table("login_view")
    _selector_or_url(table, "url", "selector")
    login_view = LoginViewSpec(url=table.text("url", ""), selector=table.text("selector", ""))
    table.done()
    if login_view.url:
        try:
            re.compile(login_view.url)
        except re.error as exc:
            raise ProfileError(
                f"profile error: [login_view] url: not a regular expression: {exc}"
            ) from None

    table = root.table("logout")
    logout = LogoutSpec(selector=table.text("selector", ""), script=table.text("script", ""))
    table.done()

    table = root.table("storage")
    storage = StorageSpec(
        area=table.text("area", "local", choices=STORAGE_AREAS),  # type: ignore[arg-type]
        access_key=table.text("access_key", ""),
        refresh_key=table.text("refresh_key", ""),
    )
    table.done()
    root.done()
    return ClientProfile(app, api, login, burst, login_view, logout, storage, source)


def load_client_profile(path: str | Path) -> ClientProfile:
    """Read and check a client profile file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"profile error: cannot read {file}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile error: {file} is not valid TOML: {exc}") from None
    return parse_client_profile(data, source=str(file), base_dir=file.parent)
