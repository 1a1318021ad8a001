"""The client suite in front of a team's own backend, described by its server profile.

First, "their" backend is a reference server the test starts itself, serving the plain-fetch
client; the suite only gets its URL through a conformance server profile, as a team would give
it, and must neither start nor stop it. Then it is a backend that is not ours at all
(`tests/targets/opaque_sqlite`: Starlette, opaque rotating refresh tokens in SQLite, its own
paths), started by the suite from its server profile's `[target] command`, with the app on
another origin: the faults the suite injects on the browser's calls to it must still land.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import sys
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

import e2e.driver
from conformance.launch import free_port
from conformance.outcomes import Outcome
from conformance.runner import SuiteResult
from e2e.api import start_api
from e2e.catalogue import select_client_cases
from e2e.profile import ClientProfile, load_client_profile
from e2e.runner import ClientUnreachable, run_client_suite, with_their_api
from tests.e2e.conftest import CLIENTS

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_HTTP = ROOT / "conformance/profiles/reference-http.toml"
OPAQUE = ROOT / "tests/targets/opaque_sqlite/profile.toml"

pytestmark = pytest.mark.slow


def client_profile(tmp_path: Path, app_url: str, server_profile: Path) -> Path:
    text = (CLIENTS / "plainfetch" / "profile.toml").read_text()
    text = text.replace(
        'static = "."', f'url = "{app_url}"\n\n[api]\nserver_profile = "{server_profile}"'
    )
    path = tmp_path / "client.toml"
    path.write_text(text)
    return path


def run_and_expect(profile: ClientProfile, expected: dict[str, Outcome]) -> SuiteResult:
    """Run exactly the cases *expected* names; their verdicts must be the ones it gives."""
    suite = run_client_suite(profile, cases=select_client_cases(list(expected)))
    verdicts = {result.case.id: result.outcome for result in suite.results}
    assert verdicts == expected, [(result.case.id, result.detail) for result in suite.results]
    return suite


def test_their_backend_from_a_server_profile(tmp_path: Path) -> None:
    their = start_api(rotation=False, cookie=False, static=CLIENTS / "plainfetch", log_dir=tmp_path)
    try:
        server_profile = tmp_path / "theirs.toml"
        server_profile.write_text(
            REFERENCE_HTTP.read_text().replace("http://127.0.0.1:8000", their.url)
        )
        profile = load_client_profile(client_profile(tmp_path, their.url, server_profile))
        run_and_expect(
            profile,
            {
                "CLIENT-REFRESH-ONCE-01": Outcome.PASS,
                "CLIENT-REFRESH-FAIL-01": Outcome.PASS,
                # Their server profile declares no rotation: the case does not apply.
                "CLIENT-ROTATION-01": Outcome.SKIP,
                "CLIENT-LOGOUT-01": Outcome.PASS,
            },
        )
        assert their.is_running(), "the suite stopped a server it did not start"
    finally:
        their.stop()


def test_a_server_profile_without_a_clock_is_a_clear_verdict(tmp_path: Path) -> None:
    server_profile = tmp_path / "theirs.toml"
    server_profile.write_text(REFERENCE_HTTP.read_text().replace('mode = "clock"', 'mode = "wait"'))
    profile = load_client_profile(client_profile(tmp_path, "http://127.0.0.1:9", server_profile))
    with pytest.raises(ClientUnreachable, match="mode = 'clock'"):
        run_client_suite(profile, cases=select_client_cases(["CLIENT-RELOAD"]))


def opaque_server_profile(tmp_path: Path, app_origin: str, prefix: str = "") -> Path:
    """The opaque-token target's own server profile, its database in tmp_path and the app's
    origin allowed by CORS (as a team would configure its backend for its SPA); with *prefix*,
    the API lives under that path and the profile's base_url says so."""
    text = OPAQUE.read_text()
    command = (
        'command = "python -m tests.targets.opaque_sqlite --port {port} --db opaque-tokens.db"'
    )
    assert command in text and 'cwd = "../../.."' in text
    text = text.replace(
        command,
        f'command = "{sys.executable} -m tests.targets.opaque_sqlite --port {{port}} '
        f"--db {tmp_path / 'opaque.db'} --cors-origin {app_origin}"
        + (f" --prefix {prefix}" if prefix else "")
        + '"'
        + (f'\nbase_url = "http://127.0.0.1:{{port}}{prefix}"' if prefix else ""),
    ).replace('cwd = "../../.."', f'cwd = "{ROOT}"')
    path = tmp_path / "opaque-server.toml"
    path.write_text(text)
    return path


def plainfetch_on_its_dev_server(
    tmp_path: Path, app_origin: str, server_profile: Path, *, proxy_prefix: str = ""
) -> Path:
    """The plain-fetch client on its dev server at *app_origin*, told the API's URL by `env`
    ({api_url}) and the opaque backend's paths, in front of *server_profile*. With
    *proxy_prefix*, the dev server forwards that path to the API's origin ({api_origin}) and the
    page calls the API at its own origin ([app] proxies_api)."""
    paths = {"login": "/auth/login", "refresh": "/auth/refresh", "logout": "/auth/logout"}
    paths["protected"] = "/api/me"
    form = (CLIENTS / "plainfetch" / "profile.toml").read_text().split("[login]", 1)[1]
    env = {"PLAINFETCH_API": "{api_url}", "PLAINFETCH_PATHS": json.dumps(paths)}
    if proxy_prefix:
        env |= {
            "PLAINFETCH_API": proxy_prefix,
            "PLAINFETCH_PROXY": "{api_origin}",
            "PLAINFETCH_PROXY_PREFIX": proxy_prefix,
        }
    client = tmp_path / "client.toml"
    client.write_text(
        f"""
[app]
name = "plain fetch client against the opaque-token backend"
url = "{app_origin}"
command = "{sys.executable} ../devserver.py --port {{port}}"
cwd = "{CLIENTS / "plainfetch"}"
env = {{ {", ".join(f"{name} = {json.dumps(value)}" for name, value in env.items())} }}
proxies_api = {"true" if proxy_prefix else "false"}

[api]
server_profile = "{server_profile}"

[login]{form}"""
    )
    return client


def test_a_foreign_backend_started_from_its_server_profile_across_origins(tmp_path: Path) -> None:
    app_port = free_port()
    app_origin = f"http://127.0.0.1:{app_port}"
    server_profile = opaque_server_profile(tmp_path, app_origin)
    client = plainfetch_on_its_dev_server(tmp_path, app_origin, server_profile)
    suite = run_and_expect(
        load_client_profile(client),
        {
            "CLIENT-REFRESH-ONCE-01": Outcome.PASS,
            # The suite's 401 on their /auth/refresh, seen by a page on another origin: were the
            # route not to match there, the real refresh would succeed and this case would FAIL
            # (checked by pointing the route at another origin).
            "CLIENT-REFRESH-FAIL-01": Outcome.PASS,
            "CLIENT-REFRESH-TRANSIENT-04": Outcome.PASS,
            # Their opaque refresh tokens rotate; the client sends the new one.
            "CLIENT-ROTATION-01": Outcome.PASS,
            # Their server refuses the old refresh token after the client's logout.
            "CLIENT-LOGOUT-01": Outcome.PASS,
        },
    )
    their_url = suite.profile.target.base_url
    assert urlsplit(their_url).port not in (None, app_port)
    calls = {(e.method, e.url.split("?")[0]) for r in suite.results for e in r.exchanges}
    assert ("POST", f"{their_url}/auth/refresh") in calls
    assert ("GET", f"{their_url}/api/me") in calls
    with socket.socket() as probe:  # the suite stopped the backend it started
        assert probe.connect_ex(("127.0.0.1", urlsplit(their_url).port or 0)) != 0


#: Under a prefix, the opaque backend's answers the cases above judge (the refused refresh is
#: the suite's own 401, which must land on the prefixed path).
PREFIXED_CASES = {
    "CLIENT-REFRESH-ONCE-01": Outcome.PASS,
    "CLIENT-REFRESH-FAIL-01": Outcome.PASS,
    "CLIENT-ROTATION-01": Outcome.PASS,
    "CLIENT-LOGOUT-01": Outcome.PASS,
    "CLIENT-TOKEN-PLACE-01": Outcome.PASS,
}


def assert_a_fault_aimed_elsewhere_is_caught(
    profile: ClientProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proof that the faults land on the prefixed path: aimed at the path without the prefix
    (what the suite did before), the suite's 401 never meets the refresh, the real one
    succeeds, and CLIENT-REFRESH-FAIL-01 FAILs."""
    aimed = e2e.driver.api_url_pattern

    def without_the_prefix(origin: str, paths: Iterable[str]) -> re.Pattern[str]:
        return aimed(origin, [path.removeprefix("/api/v1") for path in paths])

    monkeypatch.setattr(e2e.driver, "api_url_pattern", without_the_prefix)
    missed = run_client_suite(profile, cases=select_client_cases(["CLIENT-REFRESH-FAIL-01"]))
    assert [r.outcome for r in missed.results] == [Outcome.FAIL], missed.results[0].detail


def test_an_api_under_a_path_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Their API at http://127.0.0.1:<port>/api/v1 (base_url ends in a path; their paths are
    relative to it): the browser calls /api/v1/auth/login and the rest, and the suite must
    record, break and judge those calls, not /auth/login."""
    app_origin = f"http://127.0.0.1:{free_port()}"
    server_profile = opaque_server_profile(tmp_path, app_origin, prefix="/api/v1")
    client = plainfetch_on_its_dev_server(tmp_path, app_origin, server_profile)
    profile = load_client_profile(client)
    suite = run_and_expect(profile, PREFIXED_CASES)
    their_url = suite.profile.target.base_url
    assert urlsplit(their_url).path == "/api/v1", their_url
    calls = {(e.method, e.url.split("?")[0]) for r in suite.results for e in r.exchanges}
    assert ("POST", f"{their_url}/auth/login") in calls
    assert ("POST", f"{their_url}/auth/refresh") in calls
    assert ("GET", f"{their_url}/api/me") in calls
    assert not any(urlsplit(url).path.startswith("/auth/") for _, url in calls), calls

    assert_a_fault_aimed_elsewhere_is_caught(profile, monkeypatch)


def test_an_api_under_a_path_prefix_behind_the_app_s_proxy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same API, reached through the app's dev server, which forwards /api/v1 to the API's
    origin ({api_origin}): the browser calls /api/v1/auth/... at the app's origin, and the suite
    must record and break them there."""
    app_origin = f"http://127.0.0.1:{free_port()}"
    server_profile = opaque_server_profile(tmp_path, app_origin, prefix="/api/v1")
    client = plainfetch_on_its_dev_server(
        tmp_path, app_origin, server_profile, proxy_prefix="/api/v1"
    )
    profile = load_client_profile(client)
    suite = run_and_expect(profile, PREFIXED_CASES)
    posts = {e.url.split("?")[0] for r in suite.results for e in r.exchanges if e.method == "POST"}
    assert f"{app_origin}/api/v1/auth/refresh" in posts, posts
    assert all(url.startswith(app_origin) for url in posts), posts
    assert_a_fault_aimed_elsewhere_is_caught(profile, monkeypatch)


def test_an_in_process_server_profile_is_a_clear_verdict(tmp_path: Path) -> None:
    profile = load_client_profile(
        client_profile(tmp_path, "http://127.0.0.1:9", ROOT / "conformance/profiles/reference.toml")
    )
    with pytest.raises(ClientUnreachable, match=r"\[time\] mode = 'clock'"):
        run_client_suite(profile, cases=select_client_cases(["CLIENT-RELOAD"]))


class Recording(BaseHTTPRequestHandler):
    """Answers every POST 401 and keeps what it was sent."""

    seen: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.path, dict(self.headers), body))
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_their_refresh_request_and_token_fields_come_from_their_server_profile(
    tmp_path: Path,
) -> None:
    """CLIENT-LOGOUT-01 sends the old refresh token the way their server takes it, and the cases
    read tokens from their field names: a request refused for its shape, or a token under another
    name, must never pass for a revoked or absent one."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        theirs = tmp_path / "theirs.toml"
        theirs.write_text(
            REFERENCE_HTTP.read_text().replace("http://127.0.0.1:8000", "http://127.0.0.1:1")
            + '\n[client]\nid = "spa"\nsecret = "s3"\nauth = "basic"\n'
        )
        text = theirs.read_text()
        for line, instead in (
            ('transport = "json"', 'transport = "form"'),
            ('field = "refresh_token"', 'field = "rt"'),
            ('encoding = "json"', 'encoding = "json"\nrefresh_token_field = "refreshToken"'),
        ):
            assert text.count(line + "\n") == 1, line
            text = text.replace(line + "\n", instead + "\n")
        theirs.write_text(text)
        client = load_client_profile(client_profile(tmp_path, "http://127.0.0.1:2", theirs))
        _, api = with_their_api(client, theirs)
        api.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        assert api.refresh_token_field == "refreshToken"
        assert api.refresh_status("old-token") == 401
        ((path, headers, body),) = Recording.seen
        assert path == "/refresh" and body == b"rt=old-token"
        assert headers["Authorization"] == "Basic " + base64.b64encode(b"spa:s3").decode()
    finally:
        server.shutdown()
