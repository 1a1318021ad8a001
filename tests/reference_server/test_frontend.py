"""Serving a built single-page app next to the API, with history-mode fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference_server.app import create_app
from tests.reference_server.flows import make_settings, running_api

pytestmark = pytest.mark.anyio


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>dualtoken</title>")
    (root / "assets" / "app.js").write_text("console.log('app')")
    (tmp_path / "secret.txt").write_text("outside the dist folder")
    return root


async def test_client_side_routes_get_index_html_uncached(dist: Path) -> None:
    async with running_api(frontend_dist=dist) as api:
        for path in ("/", "/login", "/dashboard/settings"):
            response = await api.client.get(path)
            assert response.status_code == 200, path
            assert "<title>dualtoken</title>" in response.text
            assert response.headers["cache-control"] == "no-cache"


async def test_files_are_served_and_missing_assets_are_404(dist: Path) -> None:
    async with running_api(frontend_dist=dist) as api:
        asset = await api.client.get("/assets/app.js")
        missing = await api.client.get("/assets/missing.js")
    assert asset.status_code == 200
    assert asset.text == "console.log('app')"
    assert missing.status_code == 404


async def test_the_api_keeps_its_routes(dist: Path) -> None:
    async with running_api(frontend_dist=dist) as api:
        session = await api.login()  # POST /login still logs in while GET /login is the page
        public = await api.client.get("/public")
        protected = await api.protected(session.access)
    assert public.json() == {"message": "This is public data"}
    assert protected.status_code == 200


async def test_test_hooks_stay_404_behind_the_frontend(dist: Path) -> None:
    async with running_api(frontend_dist=dist) as api:
        response = await api.client.get("/__test__/clock")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"]
)
async def test_nothing_outside_the_dist_folder_is_served(dist: Path, path: str) -> None:
    async with running_api(frontend_dist=dist) as api:
        response = await api.client.get(path)
    assert "outside the dist folder" not in response.text
    assert response.status_code in (200, 404)


def test_a_dist_folder_without_index_html_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"index\.html"):
        create_app(make_settings(frontend_dist=tmp_path))
