"""`[app] command` end to end: the suite starts a team's dev server on a port it picks, points the
app at its API, and drives it in real Chromium across origins.

The app is the plain-fetch client served by `clients/devserver.py` (a stdlib dev server with an
SPA fallback that writes its environment into the page). Each run proves one way of pointing the
app at the API: by the command's environment (with a login URL and a logout script), or by a
query parameter (with the login form). Without that way working the app would call its own dev
server, which has no API, and no case could pass.
"""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conformance.outcomes import Outcome
from conformance.runner import SuiteResult
from e2e.catalogue import select_client_cases
from e2e.cli import main
from e2e.profile import load_client_profile
from e2e.runner import ClientUnreachable, run_client_suite
from tests.e2e.conftest import CLIENTS

pytestmark = pytest.mark.slow

PLAINFETCH = CLIENTS / "plainfetch"


def run(profile_name: str, case_ids: list[str]) -> SuiteResult:
    profile = load_client_profile(PLAINFETCH / profile_name)
    return run_client_suite(profile, cases=select_client_cases(case_ids))


def verdicts(suite: SuiteResult) -> dict[str, Outcome]:
    return {result.case.id: result.outcome for result in suite.results}


def details(suite: SuiteResult) -> list[tuple[str, str]]:
    return [(result.case.id, result.detail) for result in suite.results]


def page_urls(suite: SuiteResult) -> list[str]:
    """The URLs of the app's pages the browser loaded (not the API's), over every case."""
    api = suite.profile.target.base_url
    return [
        exchange.url
        for result in suite.results
        for exchange in result.exchanges
        if exchange.method == "GET" and not exchange.url.startswith(api)
        and urlsplit(exchange.url).path in ("/login", "/dashboard", "/dev/login")
    ]  # fmt: skip


def listening(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as probe:
        return probe.connect_ex((parts.hostname or "", parts.port or 80)) == 0


def assert_cross_origin_and_stopped(suite: SuiteResult, pages: list[str]) -> None:
    api = suite.profile.target.base_url
    assert pages, "the app's pages were not loaded from the dev server"
    assert all(urlsplit(url).port != urlsplit(api).port for url in pages)
    calls = [e.url for r in suite.results for e in r.exchanges if e.method == "POST"]
    assert any(url.startswith(api + "/login") for url in calls), calls
    assert not listening(pages[0]), "the dev server outlived the run"


def test_a_dev_server_told_the_api_by_env_a_login_url_and_a_logout_script() -> None:
    suite = run(
        "profile-devserver-env.toml",
        [
            "CLIENT-REFRESH-ONCE-01",
            "CLIENT-REFRESH-FAIL-01",
            "CLIENT-LOGOUT-01",
            "CLIENT-LOGOUT-02",
        ],
    )
    assert verdicts(suite) == {
        "CLIENT-REFRESH-ONCE-01": Outcome.PASS,
        "CLIENT-REFRESH-FAIL-01": Outcome.PASS,  # the injected 401 on /refresh, cross-origin
        "CLIENT-LOGOUT-01": Outcome.PASS,  # [logout] script called the server ...
        "CLIENT-LOGOUT-02": Outcome.PASS,  # ... and cleared the storage
    }, details(suite)
    pages = page_urls(suite)
    # Logged in by the URL: the form page was never opened, nor any page given the API's URL.
    assert all(urlsplit(url).path == "/dev/login" for url in pages if "login" in url), pages
    assert not any("api=" in url for url in pages), pages
    assert_cross_origin_and_stopped(suite, pages)


def test_a_dev_server_told_the_api_by_a_query_parameter() -> None:
    suite = run(
        "profile-devserver-param.toml",
        [
            "CLIENT-REFRESH-ONCE-01",
            "CLIENT-REFRESH-TRANSIENT-01",
            "CLIENT-RELOAD-01",
            "CLIENT-TOKEN-PLACE-01",
        ],
    )
    assert verdicts(suite) == {
        "CLIENT-REFRESH-ONCE-01": Outcome.PASS,
        "CLIENT-REFRESH-TRANSIENT-01": Outcome.PASS,  # the injected 500, cross-origin
        "CLIENT-RELOAD-01": Outcome.PASS,  # the reloaded page (no ?api= left) still finds it
        "CLIENT-TOKEN-PLACE-01": Outcome.PASS,
    }, details(suite)
    pages = page_urls(suite)
    api = suite.profile.target.base_url
    assert any(f"api={api}" in url for url in pages), pages
    assert_cross_origin_and_stopped(suite, pages)


def test_an_app_command_that_fails_is_a_clear_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "client.toml"
    text = (PLAINFETCH / "profile-devserver-param.toml").read_text()
    profile.write_text(
        text.replace(
            "python3 ../devserver.py --port {port}", "echo no such dev server; exit 3"
        ).replace('cwd = "."', f'cwd = "{PLAINFETCH}"')
    )
    assert main(["--client-profile", str(profile), "--select", "CLIENT-RELOAD"]) == 2
    err = capsys.readouterr().err
    assert "[app] command exited with status 3" in err and "no such dev server" in err, err
    assert "Traceback" not in err


def test_an_app_that_is_not_running_is_a_clear_verdict(tmp_path: Path) -> None:
    text = (PLAINFETCH / "profile-devserver-param.toml").read_text()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lines = [line for line in text.splitlines() if not line.startswith(("command", "cwd"))]
    profile = tmp_path / "client.toml"
    profile.write_text(
        "\n".join(lines)
        .replace("{port}", str(port))
        .replace("ready_timeout = 30", "ready_timeout = 1")
    )
    with pytest.raises(ClientUnreachable, match=r"\[app\] url: .* did not answer within 1 s"):
        run_client_suite(load_client_profile(profile), cases=select_client_cases(["CLIENT-RELOAD"]))
