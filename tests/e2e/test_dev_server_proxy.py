"""`[app] proxies_api`: an app whose own dev server forwards the API's paths, the way most Vite
apps run in development. Our frontend under a real `vite preview` (its config proxies the API
paths to VITE_API_PROXY, which the suite sets to `{api_url}`): the browser calls the API at the
app's origin, so the suite must watch and break the calls there.

Without `proxies_api` the same run cannot log in (no call reaches the API's origin): every case
is an ERROR, never a verdict.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conformance.outcomes import Outcome
from e2e.catalogue import select_client_cases
from e2e.frontend_build import FRONTEND
from e2e.profile import ClientProfile, parse_client_profile
from e2e.runner import run_client_suite
from tests.e2e.conftest import PROFILES

pytestmark = pytest.mark.slow


def vite_preview_profile(*, proxies_api: bool) -> ClientProfile:
    data: dict[str, Any] = tomllib.loads((PROFILES / "frontend-queue.toml").read_text())
    data["app"] = {
        "name": "frontend under vite preview, API proxied",
        # The binary itself, not npx: the process group the suite stops is the server's.
        "command": f"{FRONTEND / 'node_modules/.bin/vite'} preview --port {{port}} --strictPort",
        "cwd": str(FRONTEND),
        "env": {"VITE_API_PROXY": "{api_url}"},
        "query": "scheme=queue",
        "proxies_api": proxies_api,
    }
    return parse_client_profile(data, source="vite preview")


def test_an_app_whose_dev_server_proxies_the_api(frontend_dist: Path) -> None:
    cases = select_client_cases(
        ["CLIENT-REFRESH-ONCE-01", "CLIENT-REFRESH-FAIL-01", "CLIENT-TOKEN-PLACE-01"]
    )
    suite = run_client_suite(vite_preview_profile(proxies_api=True), cases=cases)
    verdicts = {result.case.id: result.outcome for result in suite.results}
    assert verdicts == {
        "CLIENT-REFRESH-ONCE-01": Outcome.PASS,
        # The suite's 401 on /refresh at the app's origin, before Vite forwards it.
        "CLIENT-REFRESH-FAIL-01": Outcome.PASS,
        "CLIENT-TOKEN-PLACE-01": Outcome.PASS,
    }, [(result.case.id, result.detail) for result in suite.results]
    api_port = urlsplit(suite.profile.target.base_url).port
    posts = [e.url for r in suite.results for e in r.exchanges if e.method == "POST"]
    # Every API call the browser made went to Vite's origin, none to the API's directly.
    assert posts and all(urlsplit(url).port != api_port for url in posts), posts
