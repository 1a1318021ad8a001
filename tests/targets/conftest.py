"""Fixtures for the test targets: the Node targets' packages, installed once per session."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

NODE_TARGETS = Path(__file__).resolve().parent / "node"


@pytest.fixture(scope="session")
def node_targets() -> Path:
    """tests/targets/node/ with its node_modules installed from the committed lockfile."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the Node test targets (Node 20+)")
    marker = NODE_TARGETS / "node_modules" / ".package-lock.json"
    lock = NODE_TARGETS / "package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        completed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=NODE_TARGETS,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if completed.returncode != 0:
            pytest.fail(f"npm ci in {NODE_TARGETS} failed:\n{completed.stdout}{completed.stderr}")
    return NODE_TARGETS
