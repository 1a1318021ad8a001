"""Build the frontend for the browser tests: the shipped build, and the test-only faulty one."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FRONTEND = REPO_ROOT / "frontend"
DEFAULT_DIST = FRONTEND / "dist"
#: `npm run build:faulty` writes here too.
FAULTY_DIST = FRONTEND / "dist-faulty"
# What a build depends on: if any of these is newer than the build, the build is stale.
_SOURCES = ("src", "index.html", "vite.config.ts", "package-lock.json", "tsconfig.json")
BUILD_TIMEOUT_S = 300


class FrontendBuildError(RuntimeError):
    """npm is missing or the build failed; the message says what to run."""


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _SOURCES:
        path = FRONTEND / name
        files = path.rglob("*") if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                newest = max(newest, file.stat().st_mtime)
    return newest


def _npm(*args: str) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise FrontendBuildError("npm not found: install Node.js 20.19+ to build frontend/")
    try:
        completed = subprocess.run(
            [npm, *args],
            cwd=FRONTEND,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise FrontendBuildError(f"npm {' '.join(args)} took over {BUILD_TIMEOUT_S}s") from exc
    if completed.returncode != 0:
        raise FrontendBuildError(
            f"npm {' '.join(args)} failed ({completed.returncode}):\n"
            + (completed.stdout + completed.stderr)[-3000:]
        )


def _ensure_node_modules() -> None:
    if not (FRONTEND / "node_modules" / ".bin" / "vite").exists():
        _npm("ci", "--no-audit", "--no-fund")


@contextmanager
def _build_lock() -> Iterator[None]:
    """One build at a time: parallel test workers (pytest -n) all ask for the same builds."""
    FRONTEND.mkdir(parents=True, exist_ok=True)
    with (FRONTEND / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _is_fresh(dist: Path) -> bool:
    index = dist / "index.html"
    return index.is_file() and index.stat().st_mtime >= _newest_source_mtime()


def ensure_default_build() -> Path:
    """frontend/dist, rebuilt first when missing or older than the sources."""
    with _build_lock():
        if not _is_fresh(DEFAULT_DIST):
            _ensure_node_modules()
            _npm("run", "build")
    return DEFAULT_DIST


def ensure_faulty_build() -> Path:
    """frontend/dist-faulty (the test-only faulty build), rebuilt when missing or stale: built
    once for every test worker and run, not once per pytest session."""
    with _build_lock():
        if not _is_fresh(FAULTY_DIST):
            build_faulty(FAULTY_DIST)
    return FAULTY_DIST


def build_faulty(out_dir: Path) -> Path:
    """The faulty build (vite --mode faulty) into *out_dir*, which tests own and discard."""
    _ensure_node_modules()
    _npm(
        "exec", "--", "vite", "build", "--mode", "faulty", "--outDir", str(out_dir), "--emptyOutDir"
    )
    if not (out_dir / "index.html").is_file():
        raise FrontendBuildError(f"faulty build wrote no {out_dir / 'index.html'}")
    return out_dir
