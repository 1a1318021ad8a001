"""Fixtures for the test targets: the Node targets' packages, installed once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.targets.presets import NODE_DIR, install_node_packages


@pytest.fixture(scope="session")
def node_targets() -> Path:
    """tests/targets/node/ with its node_modules installed (`npm ci` from the lockfile)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the Node test targets (Node 20+)")
    problem = install_node_packages()
    if problem:
        pytest.fail(problem)
    return NODE_DIR
