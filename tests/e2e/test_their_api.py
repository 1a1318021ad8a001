"""The client suite in front of a team's own backend, described by its server profile.

"Their" backend here is a reference server the test starts itself, serving the plain-fetch
client; the suite only gets its URL through a conformance server profile, as a team would give
it, and must neither start nor stop it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.outcomes import Outcome
from e2e.api import start_api
from e2e.catalogue import select_client_cases
from e2e.profile import load_client_profile
from e2e.runner import ClientUnreachable, run_client_suite
from tests.e2e.conftest import CLIENTS

REFERENCE_HTTP = Path(__file__).resolve().parents[2] / "conformance/profiles/reference-http.toml"

pytestmark = pytest.mark.slow


def client_profile(tmp_path: Path, app_url: str, server_profile: Path) -> Path:
    text = (CLIENTS / "plainfetch" / "profile.toml").read_text()
    text = text.replace(
        'static = "."', f'url = "{app_url}"\n\n[api]\nserver_profile = "{server_profile}"'
    )
    path = tmp_path / "client.toml"
    path.write_text(text)
    return path


def test_their_backend_from_a_server_profile(tmp_path: Path) -> None:
    their = start_api(rotation=False, cookie=False, static=CLIENTS / "plainfetch", log_dir=tmp_path)
    try:
        server_profile = tmp_path / "theirs.toml"
        server_profile.write_text(
            REFERENCE_HTTP.read_text().replace("http://127.0.0.1:8000", their.url)
        )
        profile = load_client_profile(client_profile(tmp_path, their.url, server_profile))
        cases = select_client_cases(
            [
                "CLIENT-REFRESH-ONCE-01",
                "CLIENT-REFRESH-FAIL-01",
                "CLIENT-ROTATION",
                "CLIENT-LOGOUT-01",
            ]
        )
        suite = run_client_suite(profile, cases=cases)
        verdicts = {r.case.id: r.outcome for r in suite.results}
        assert verdicts == {
            "CLIENT-REFRESH-ONCE-01": Outcome.PASS,
            "CLIENT-REFRESH-FAIL-01": Outcome.PASS,
            # Their server profile declares no rotation: the case does not apply.
            "CLIENT-ROTATION-01": Outcome.SKIP,
            "CLIENT-LOGOUT-01": Outcome.PASS,
        }, [(r.case.id, r.detail) for r in suite.results]
        assert their.is_running(), "the suite stopped a server it did not start"
    finally:
        their.stop()


def test_a_server_profile_without_a_clock_is_a_clear_verdict(tmp_path: Path) -> None:
    server_profile = tmp_path / "theirs.toml"
    server_profile.write_text(REFERENCE_HTTP.read_text().replace('mode = "clock"', 'mode = "wait"'))
    profile = load_client_profile(client_profile(tmp_path, "http://127.0.0.1:9", server_profile))
    with pytest.raises(ClientUnreachable, match="mode = 'clock'"):
        run_client_suite(profile, cases=select_client_cases(["CLIENT-RELOAD"]))
