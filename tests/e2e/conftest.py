"""Fixtures for the client suite's own tests: the client folders ready to serve, the builds.

These tests need Playwright (the `e2e` extra); where it is missing (`nox -s tests`), they are
not collected. `nox -s e2e` runs them.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")

from e2e.frontend_build import FRONTEND, ensure_default_build, ensure_faulty_build
from e2e.profile import ClientProfile, load_client_profile, parse_client_profile

CLIENTS = Path(__file__).resolve().parent / "clients"
PROFILES = Path(__file__).resolve().parents[2] / "e2e" / "profiles"


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    return ensure_default_build()


@pytest.fixture(scope="session")
def faulty_dist() -> Path:
    return ensure_faulty_build()


@pytest.fixture(scope="session")
def seed_client(tmp_path_factory: pytest.TempPathFactory, frontend_dist: Path) -> Path:
    """The seed client's folder with Axios's browser build beside it (as its page expects)."""
    folder = tmp_path_factory.mktemp("seed-client")
    shutil.copytree(CLIENTS / "seed", folder, dirs_exist_ok=True)
    axios = FRONTEND / "node_modules" / "axios" / "dist" / "axios.min.js"
    shutil.copy(axios, folder / "axios.min.js")
    return folder


def frontend_profile(name: str) -> ClientProfile:
    return load_client_profile(PROFILES / f"{name}.toml")


def faulty_profile(faulty_dist: Path, variant: str) -> ClientProfile:
    """Our frontend's profile, pointed at the faulty build running *variant*."""
    data: dict[str, Any] = tomllib.loads((PROFILES / "frontend-queue.toml").read_text())
    data["app"] = {"name": f"faulty frontend: {variant}", "static": str(faulty_dist)}
    data["app"]["query"] = f"variant={variant}"
    return parse_client_profile(data, source=f"faulty variant {variant}")
