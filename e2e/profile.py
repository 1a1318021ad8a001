"""Client profiles: one TOML file says how the suite drives a team's single-page app.

It reuses the server profiles' table reader, so every key is checked the same way: an unknown
key or a bad value raises `ProfileError` naming the section and the key, e.g.
`profile error: [login] username_selector: required`.

```toml
[app]
name = "acme-spa"
url = "http://127.0.0.1:5173"        # an app already running (or started by `command`) ...
static = "dist"                      # ... or a built folder the suite serves from the API's origin
command = "npm run dev -- --port {port}"   # optional: the suite starts and stops it
# with a command, url defaults to http://127.0.0.1:{port}: {port} is a free port the suite picks
cwd = "../acme-spa"                  # optional: where the command runs (relative to this file)
env = { VITE_API_URL = "{api_url}" } # {api_url} (the API's URL) and {port} are substituted
                                     # ({api_origin}: the API's URL without its path)
api_param = "api"                    # optional: ?api=<API URL> on every page the suite opens
proxies_api = false                  # true: the app's server forwards the API paths to {api_origin}
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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from conformance.toml_profile import ProfileError, Table, environment, folder, read_toml

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

# What `[app] command`, `env` and `url` may contain, replaced when the app starts: the API's URL
# and the app's port. `{app_port}` is the first spelling of `{port}`, kept for older profiles.
PORT_PLACEHOLDERS = ("{port}", "{app_port}")
# `{api_origin}` is the API's scheme://host:port without its path: the target of a dev-server
# proxy that forwards each request's path as it is (Vite's server.proxy), where `{api_url}`
# would put an API's path prefix (/api/v1) in front of paths that already carry it.
APP_PLACEHOLDERS = ("{api_url}", "{api_origin}", *PORT_PLACEHOLDERS)
# A `{name}` that is not one of them; `${NAME}` (shell) and `{{`, `}}` are left alone.
_UNKNOWN_PLACEHOLDER = re.compile(r"(?<![${])\{(\w*)\}(?!\})")
# A query parameter name that needs no escaping in a URL.
_PARAM_NAME = re.compile(r"[A-Za-z0-9_.~-]+")

StorageArea = Literal["local", "session"]
STORAGE_AREAS: tuple[StorageArea, ...] = ("local", "session")


@dataclass(frozen=True)
class AppSpec:
    """Where the app is and how its pages learn the API's address."""

    name: str = "client"
    # May hold {port} (then `command` starts the app there, on a port the suite picks).
    url: str = ""
    static: Path | None = None
    command: str = ""
    cwd: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    ready_timeout: float = 60.0
    api_param: str = ""
    query: str = ""
    # The app's own server forwards the API's paths to {api_origin} (a dev-server proxy, e.g.
    # Vite's server.proxy): the browser calls the API at the app's origin.
    proxies_api: bool = False


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


def _selector_or_url(table: Table, *keys: str) -> None:
    if not any(table.has(key) for key in keys):
        raise ProfileError(f"profile error: [{table.name}]: give {' or '.join(keys)}")


def _placeholders(table: Table, key: str, text: str, allowed: tuple[str, ...]) -> str:
    """*text* if every `{name}` in it is one the suite fills in; else an error naming *key*."""
    for match in _UNKNOWN_PLACEHOLDER.finditer(text):
        if match.group(0) not in allowed:
            raise ProfileError(
                f"profile error: [{table.name}] {key}: unknown placeholder {match.group(0)} "
                f"(the suite fills in {', '.join(allowed)})"
            )
    return text


def _parse_app(table: Table, base: Path) -> AppSpec:
    command = _placeholders(table, "command", table.text("command", ""), APP_PLACEHOLDERS)
    env = environment(table, "env")
    for name, value in env.items():
        _placeholders(table, f"env: {name}", value, APP_PLACEHOLDERS)
    # Without a url, a started app is looked for on the port the suite picked for it.
    default_url = "http://127.0.0.1:{port}" if command else ""
    url = _placeholders(table, "url", table.text("url", default_url), PORT_PLACEHOLDERS)
    static = table.text("static", "")
    cwd = folder(table, "cwd", base)
    app = AppSpec(
        name=table.text("name", "client"),
        url=url.rstrip("/"),
        static=(base / static).resolve() if static else None,
        command=command,
        cwd=Path(cwd) if cwd else None,
        env=env,
        ready_timeout=table.number("ready_timeout", 60.0, minimum=1.0),
        api_param=table.text("api_param", ""),
        query=table.text("query", "").lstrip("?"),
        proxies_api=table.flag("proxies_api", False),
    )
    if app.proxies_api and app.static is not None:
        raise ProfileError(
            "profile error: [app] proxies_api: a static app is already served at the API's "
            "origin; proxies_api is for an app whose own server forwards the API's paths"
        )
    if app.static is not None and (app.url or app.command):
        key = "command" if app.command else "url"
        raise ProfileError(
            f"profile error: [app] {key}: a static app is served by the suite; give static, "
            "or url (and command), not both"
        )
    if not app.url and app.static is None:
        raise ProfileError("profile error: [app]: give url, command or static")
    if app.url and not app.url.startswith(("http://", "https://")):
        raise ProfileError(f"profile error: [app] url: expected an http(s):// URL, got {app.url!r}")
    if app.static is not None and not (app.static / "index.html").is_file():
        raise ProfileError(f"profile error: [app] static: no index.html in {app.static}")
    has_port = any(name in app.url for name in PORT_PLACEHOLDERS)
    if has_port and not app.command:
        raise ProfileError(
            "profile error: [app] url: {port} needs a command (the suite starts the app on it)"
        )
    for key in ("cwd", "env"):
        if table.has(key) and not app.command:
            raise ProfileError(f"profile error: [app] {key}: only used with [app] command")
    if table.has("api_param") and not _PARAM_NAME.fullmatch(app.api_param):
        raise ProfileError(
            f"profile error: [app] api_param: expected a query parameter name (letters, digits, "
            f"_ . ~ -), got {app.api_param!r}"
        )
    return app


#: The paths the embedded reference server answers, for the [api] keys that name them.
EMBEDDED_PATHS = {
    "login_path": "/login",
    "refresh_path": "/refresh",
    "logout_path": "/logout",
}


def _embedded_api_paths(api: ApiSpec) -> None:
    """The embedded reference server has fixed paths at its root: another path (one under a
    prefix such as /api/v1) would make every case an ERROR, so it is named here instead."""
    given = {key: getattr(api, key) for key in EMBEDDED_PATHS}
    given["protected_paths"] = api.protected_paths
    for key, value in given.items():
        served = EMBEDDED_PATHS.get(key, "/protected")
        if value != served and value != (served,):
            raise ProfileError(
                f"profile error: [api] {key}: the embedded reference server serves {served}, "
                f"not {value!r}; for an API elsewhere (e.g. under a prefix such as /api/v1) give "
                "[api] server_profile, your backend's server profile (its base_url may end in "
                "the prefix)"
            )


def parse_client_profile(
    data: Mapping[str, object], *, source: str = "<string>", base_dir: Path | None = None
) -> ClientProfile:
    """Build a checked ClientProfile from parsed TOML; relative folders resolve against base_dir."""
    base = base_dir or Path.cwd()
    root = Table(dict(data), "")

    table = root.table("app")
    app = _parse_app(table, base)
    table.done()

    table = root.table("api")
    server_profile = table.text("server_profile", "")
    if server_profile and not (base / server_profile).is_file():
        raise ProfileError(
            f"profile error: [api] server_profile: no such file: {base / server_profile}"
        )
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
    if api.server_profile is None and not app.proxies_api:
        # Behind the app's proxy the paths are the browser's, which the proxy may rewrite.
        _embedded_api_paths(api)
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
    if logout.selector and logout.script:
        raise ProfileError("profile error: [logout] script: give selector or script, not both")
    if table.has("script") and not logout.script.strip():
        raise ProfileError("profile error: [logout] script: empty (a JS function, e.g. () => …)")

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
    return parse_client_profile(read_toml(file), source=str(file), base_dir=file.parent)
