"""Fixtures for the browser tests: Chromium, reference servers serving the built app, harnesses.

Layers (each overridable, as pytest-playwright intends):
- `browser_type_launch_args`: system Chromium (or $DUALTOKEN_CHROMIUM), headless-friendly flags.
- `servers`: a session-wide pool of reference servers, one per configuration, started on first
  use on a free loopback port, each serving the frontend build (the faulty builds are the
  client suite's proof, in tests/e2e/).
- `app_server`: the server a test asked for with `@pytest.mark.server("name")` (default "plain").
- `browser_context_args`: pytest-playwright's, plus `base_url` = that server, so tests say
  `page.goto("/login")`.
- `harness`: one context + tab + network log, parametrised over both concurrency schemes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from conformance.outcomes import HarnessError
from e2e.driver import CHROMIUM_FLAGS
from e2e.driver import chromium_executable as driver_chromium_executable
from e2e.frontend_build import ensure_default_build
from e2e.harness import Harness, Tab
from e2e.network import NetworkLog
from e2e.servers import RunningServer, ServerSpec, start_server

SCHEMES = ("queue", "promise")

#: Server configurations by name: which build they serve and their extra settings.
#: "{workdir}" in a value becomes the session's temporary folder.
SERVER_SETTINGS: dict[str, tuple[str, dict[str, str]]] = {
    "plain": ("default", {}),
    "rotation": (
        "default",
        {"DUALTOKEN_ROTATION": "1", "DUALTOKEN_STORE": "sqlite:///{workdir}/rotation.db"},
    ),
    "cookie": (
        "default",
        {
            "DUALTOKEN_REFRESH_COOKIE": "1",
            # Plain http on loopback: a Secure cookie would not be stored.
            "DUALTOKEN_COOKIE_SECURE": "0",
            "DUALTOKEN_ROTATION": "1",
        },
    ),
}


def chromium_executable() -> str | None:
    """The client suite's choice of Chromium, with a bad $DUALTOKEN_CHROMIUM as a usage error."""
    try:
        return driver_chromium_executable()
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    args = {**browser_type_launch_args, "args": CHROMIUM_FLAGS}
    executable = chromium_executable()
    if executable is not None:
        args["executable_path"] = executable
    return args


class ServerPool:
    """Reference servers by configuration name, started on first use, stopped at the end."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._servers: dict[str, RunningServer] = {}
        self._builds: dict[str, Path] = {}

    def build(self, kind: str) -> Path:
        if kind not in self._builds:
            self._builds[kind] = ensure_default_build()
        return self._builds[kind]

    def get(self, name: str) -> RunningServer:
        if name not in SERVER_SETTINGS:
            raise pytest.UsageError(f"unknown server {name!r}; known: {sorted(SERVER_SETTINGS)}")
        if name not in self._servers:
            build, settings = SERVER_SETTINGS[name]
            spec = ServerSpec(name=name, dist=self.build(build), settings=settings)
            self._servers[name] = start_server(spec, self.workdir)
        server = self._servers[name]
        if not server.is_running():
            raise RuntimeError(f"server {name!r} died:\n{server.log_tail()}")
        return server

    def stop_all(self) -> None:
        for server in self._servers.values():
            server.stop()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    pool = ServerPool(tmp_path_factory.mktemp("e2e"))
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def app_server(request: pytest.FixtureRequest, servers: ServerPool) -> RunningServer:
    marker = request.node.get_closest_marker("server")
    return servers.get(marker.args[0] if marker else "plain")


@pytest.fixture
def browser_context_args(
    browser_context_args: dict[str, Any], app_server: RunningServer
) -> dict[str, Any]:
    return {**browser_context_args, "base_url": app_server.url}


@pytest.fixture(params=SCHEMES)
def scheme(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


HarnessFactory = Callable[..., Harness]


@pytest.fixture(autouse=True)
def _trace_on_failure(request: pytest.FixtureRequest, output_path: str) -> Iterator[None]:
    """A Playwright trace of every context the test opened, kept only when the test failed.

    Lighter than pytest-playwright's `--tracing retain-on-failure` (no screencast frames,
    which cost a third of the run's time here); DOM snapshots still show every step.
    """
    if "context" not in request.fixturenames:
        yield
        return
    context: BrowserContext = request.getfixturevalue("context")
    context.tracing.start(snapshots=True, screenshots=False, sources=False)
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        Path(output_path).mkdir(parents=True, exist_ok=True)
        context.tracing.stop(path=str(Path(output_path) / "trace.zip"))
    else:
        context.tracing.stop()


@pytest.fixture
def make_harness(context: BrowserContext, page: Page, app_server: RunningServer) -> HarnessFactory:
    """Build a Harness on this test's context; `client_query` selects the client."""
    # Every wait in these tests is for something that takes milliseconds: fail fast.
    context.set_default_timeout(10_000)
    network = NetworkLog(context)

    def make(client_query: str, *, variant: str | None = None) -> Harness:
        return Harness(
            context=context,
            server=app_server,
            client_query=client_query,
            network=network,
            tab=Tab(page),
            expected_variant=variant,
        )

    return make


@pytest.fixture
def harness(make_harness: HarnessFactory, scheme: str) -> Harness:
    return make_harness(f"scheme={scheme}")


def pytest_report_header() -> list[str]:
    executable = chromium_executable() or "Playwright's bundled Chromium"
    npm = shutil.which("npm") or "npm not found"
    return [f"e2e browser: {executable}", f"e2e npm: {npm}"]
