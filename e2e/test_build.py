"""The shipped build: served same-origin by the reference server, and free of test-only code."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from e2e.frontend_build import ensure_default_build
from e2e.servers import RunningServer

FAULTY_MARKERS = ("retry-deadlock", "queue-leak", "no-tab-lock", "refresh-through-interceptor")


def test_default_build_has_no_faulty_client() -> None:
    dist = ensure_default_build()
    bundles = [path.read_text(errors="replace") for path in dist.rglob("*.js")]
    assert bundles, f"no JavaScript in {dist}"
    for marker in FAULTY_MARKERS:
        assert not any(marker in bundle for bundle in bundles), f"{marker!r} shipped in {dist}"


def test_server_serves_the_app_next_to_the_api(app_server: RunningServer) -> None:
    with httpx.Client(base_url=app_server.url) as client:
        for route in ("/", "/login", "/dashboard"):
            page = client.get(route, headers={"Accept": "text/html"})
            assert page.status_code == 200, route
            assert '<div id="app">' in page.text, route
        assert client.get("/assets/missing.js").status_code == 404
        login = client.post("/login", json={"username": "user1", "password": "password123"})
        assert login.status_code == 200 and "access_token" in login.json()


def test_deep_link_loads_the_spa(page: Page) -> None:
    page.goto("/dashboard?scheme=promise")
    expect(page).to_have_url(re.compile(r"/login\?redirect="))
    expect(page.get_by_test_id("status-scheme")).to_have_text("promise")
