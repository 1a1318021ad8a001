"""dualtoken's sessions: `nox` runs what CI runs; `nox -s conformance` is the main job."""

from __future__ import annotations

import os
from pathlib import Path

import nox

ROOT = Path(__file__).parent
CONSTRAINTS = ROOT / "constraints.txt"
REPORTS = ROOT / "reports"

nox.options.sessions = ["lint", "tests", "e2e"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True


def install(session: nox.Session, *extras: str) -> None:
    """Install the project with *extras*, pinned by constraints.txt (what CI installs)."""
    target = f".[{','.join(extras)}]" if extras else "."
    args = ["-c", str(CONSTRAINTS)] if CONSTRAINTS.exists() else []
    session.install(*args, "-e", target)


def dev_server_env() -> dict[str, str]:
    """The embedded reference server's settings for local runs: dev secret, test clock."""
    return {
        "DUALTOKEN_DEV": os.environ.get("DUALTOKEN_DEV", "1"),
        "DUALTOKEN_TEST_CLOCK": os.environ.get("DUALTOKEN_TEST_CLOCK", "1"),
    }


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """Ruff (lint + format check) and mypy --strict."""
    install(session, "lint", "test", "e2e")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The unit, integration and proof tests under tests/ (real servers, Redis, Locust)."""
    install(session, "test")
    # The Node test targets (the Express tutorial and preset apps) from the committed lockfile.
    with session.chdir("tests/targets/node"):
        session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    session.run("pytest", *session.posargs)


@nox.session(python="3.11", default=False)
def server(session: nox.Session) -> None:
    """Run the reference server on 127.0.0.1:8000 in dev mode (args go to the server)."""
    install(session)
    session.run("python", "-m", "reference_server", *session.posargs, env=dev_server_env())


@nox.session(python="3.11", default=False)
def conformance(session: nox.Session) -> None:
    """The conformance suite against the embedded reference server (or -- --profile FILE)."""
    install(session)
    args = list(session.posargs)
    # Every run leaves all three reports in one folder unless the caller chose where.
    if not {"--report-dir", "--dry-run"} & set(args):
        args += ["--report-dir", str(REPORTS / "conformance")]
    session.run("python", "-m", "conformance", *args)


@nox.session(python="3.11", default=False)
def bench_conformance(session: nox.Session) -> None:
    """A full conformance run's time: over HTTP (goal <= 2 s), against a 0.5 s login (< 10 s)."""
    install(session)
    session.run("python", "-m", "tests.conformance.bench_speed", *session.posargs)


@nox.session(python="3.11", default=False)
def e2e(session: nox.Session) -> None:
    """Build the frontend; run its browser tests (e2e/) and the client suite proof (tests/e2e/)."""
    install(session, "e2e")
    with session.chdir(ROOT / "frontend"):
        session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
        session.run("npm", "run", "typecheck", external=True)
        session.run("npx", "vite", "build", external=True)
        # The test-only faulty build, once here rather than once per test worker.
        session.run("npm", "run", "build:faulty", "--", "--emptyOutDir", external=True)
    # Debian's chromium-headless-shell or chromium (or $DUALTOKEN_CHROMIUM) is used when present;
    # else Playwright's own.
    debian = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
    if not (os.environ.get("DUALTOKEN_CHROMIUM") or any(map(os.path.isfile, debian))):
        session.run("playwright", "install", "chromium")
    # Browser tests spend most of their time waiting (on held requests, timeouts, the quiet
    # after a burst), not computing: several workers (pytest-xdist), each with its own
    # reference server and Chromium, fit on 2 cores. DUALTOKEN_E2E_WORKERS=1 runs them serially.
    workers = os.environ.get("DUALTOKEN_E2E_WORKERS", "4")
    parallel = ["-n", workers, "--dist", "worksteal"] if workers != "1" else []
    # e2e/pytest.ini is the config: failure screenshots and traces go to reports/e2e/.
    # First our frontend's own browser tests, then the client suite's proof (tests/e2e/): our
    # frontend in both schemes and cookie mode, the seed as published, a plain-fetch client,
    # the faulty variants, each on the whole catalogue; reports and verdict lines in
    # reports/e2e/clients/.
    session.run("pytest", *parallel, "e2e", *session.posargs)
    session.run("pytest", *parallel, "tests/e2e", *session.posargs)


@nox.session(python="3.11", default=False)
def load(session: nox.Session) -> None:
    """Locust load runs against the reference server; reports in reports/load/."""
    install(session, "load")
    # Bounded default (under a minute); `-- --workers 2` adds Locust workers, see load/README.md.
    session.run("python", "-m", "load", "--out", str(REPORTS / "load"), *session.posargs)


@nox.session(python="3.11", default=False)
def bench(session: nox.Session) -> None:
    """The reference server against the seed's backend, side by side (needs wrk and taskset)."""
    install(session, "test")
    session.run("python", "-m", "tests.reference_server.bench", *session.posargs)


@nox.session(python="3.11", default=False)
def bench_client(session: nox.Session) -> None:
    """/refresh calls and settle time of 100- and 300-call bursts after expiry, in Chromium."""
    install(session, "e2e")
    with session.chdir(ROOT / "frontend"):
        session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    session.run("python", "-m", "tests.e2e.bench_refresh", *session.posargs)
