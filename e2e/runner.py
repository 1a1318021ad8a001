"""Runs client cases against one app: starts the API (and the app, if the profile says how),
one Chromium, and a fresh browser context per case; collects a conformance `CaseResult` each,
with the browser's network log, and on a deviation a screenshot and a Playwright trace."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Error, sync_playwright

from conformance.judging import judge
from conformance.launch import TargetProcess
from conformance.outcomes import HarnessError, Outcome
from conformance.profile import (
    Profile,
    ProfileError,
    TargetSpec,
    TimeSpec,
    default_profile_path,
    load_profile,
)
from conformance.redaction import Redactor
from conformance.runner import CaseResult, SuiteResult
from conformance.target import Target
from e2e.api import Api, ApiStartError, ExternalApi, start_api
from e2e.app import AppLaunch, LaunchError
from e2e.catalogue import CLIENT_CATALOGUE, ClientCase
from e2e.driver import AppDriver, launch_chromium
from e2e.profile import ApiSpec, ClientProfile

__all__ = ["ClientRun", "ClientUnreachable", "run_client_suite"]


class ClientUnreachable(HarnessError):
    """The API or the app did not come up: no case could run (exit status 2)."""


class ClientRun:
    """What one run measured besides verdicts (e.g. /refresh calls per burst size)."""

    def __init__(self) -> None:
        self.measurements: dict[str, object] = {}


def report_profile(profile: ClientProfile, api_url: str) -> Profile:
    """A server-profile stand-in so conformance's report writers name this run correctly."""
    base = load_profile(default_profile_path())
    return replace(
        base,
        target=TargetSpec(name=f"client: {profile.app.name}", base_url=api_url),
        time=TimeSpec(mode="clock"),
        source=profile.source,
    )


def _browser_error(exc: Exception) -> str | None:
    return f"browser: {exc.message.splitlines()[0]}" if isinstance(exc, Error) else None


def _run_case(
    client_case: ClientCase,
    browser: Browser,
    profile: ClientProfile,
    api: Api,
    app_url: str,
    artifacts: Path | None,
    run: ClientRun,
) -> CaseResult:
    case = client_case.case
    result = CaseResult(case, Outcome.PASS)
    reason = client_case.applies(profile)
    if reason is not None:
        result.outcome, result.detail = Outcome.SKIP, reason
        return result
    started = time.monotonic()
    app = AppDriver(browser, profile, api, app_url)
    # DOM snapshots only: screencast frames cost about a third of a run's time.
    app.context.tracing.start(snapshots=True, screenshots=False, sources=False)
    try:
        client_case.check(app)
    except Exception as exc:
        # The server runner's mapping (conformance/judging.py), plus the browser's own errors.
        judge(case, exc, describe_other=_browser_error).apply_to(result)
    result.duration_ms = (time.monotonic() - started) * 1000
    result.exchanges = app.recorder.to_report()
    run.measurements.update(app.measurements)
    try:
        if result.deviated and artifacts is not None:
            folder = artifacts / case.id
            folder.mkdir(parents=True, exist_ok=True)
            with suppress(Error):
                app.page.screenshot(path=str(folder / "screenshot.png"))
            app.context.tracing.stop(path=str(folder / "trace.zip"))
            result.detail += f" [screenshot and trace: {folder}]"
        else:
            app.context.tracing.stop()
    finally:
        with suppress(Error):
            app.close()
    if not api.is_running():
        raise ClientUnreachable(f"the API died during {case.id}:\n{api.log_tail()}")
    return result


def run_client_suite(
    profile: ClientProfile,
    *,
    cases: Sequence[ClientCase] | None = None,
    artifacts: Path | None = None,
    strict: bool = False,
    on_result: Callable[[CaseResult], None] | None = None,
    run: ClientRun | None = None,
    redactor: Redactor | None = None,
) -> SuiteResult:
    """Run `cases` (default: the whole client catalogue) against the profile's app. Reports
    pass their text through `redactor` (default: token signatures and secrets cut)."""
    selected = list(CLIENT_CATALOGUE if cases is None else cases)
    run = run or ClientRun()
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="dualtoken-e2e-"))
    # The app's port is picked first: the API must allow the app's origin before it starts.
    launch = AppLaunch(profile.app)
    api: Api
    try:
        if profile.api.server_profile is not None:
            profile, external = with_their_api(profile, profile.api.server_profile)
            try:
                external.check()
            except ApiStartError:
                external.stop()  # a backend the suite started must not outlive the run
                raise
            api = external
        else:
            api = start_api(
                rotation=profile.api.rotation,
                cookie=profile.api.cookie,
                static=profile.app.static,
                cors_origin=launch.origin,
                log_dir=workdir,
            )
    except ApiStartError as exc:
        raise ClientUnreachable(f"the API is not usable: {exc}") from None
    results: list[CaseResult] = []
    try:
        with launch.running(api.url) as app_url, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                for client_case in selected:
                    result = _run_case(client_case, browser, profile, api, app_url, artifacts, run)
                    results.append(result)
                    if on_result is not None:
                        on_result(result)
            finally:
                browser.close()
    except LaunchError as exc:
        raise ClientUnreachable(str(exc)) from None
    finally:
        api.stop()
    redact = redactor if redactor is not None else Redactor()
    redact.secret(profile.login.password, "password")
    return SuiteResult(
        report_profile(profile, api.url),
        results,
        time.monotonic() - started,
        strict,
        redact=redact,
    )


def with_their_api(profile: ClientProfile, path: Path) -> tuple[ClientProfile, ExternalApi]:
    """The client profile with the API facts of a team's server profile (its base URL, clock,
    lifetimes, paths, rotation and refresh carrier), and that API: started by the suite when the
    server profile gives `[target] command`, else found running at its `base_url`."""
    try:
        server = load_profile(path)
    except ProfileError as exc:
        raise ClientUnreachable(f"[api] server_profile: {exc}") from None
    if server.time.mode != "clock":
        raise ClientUnreachable(
            f"[api] server_profile: {path} needs [time] mode = 'clock' and a clock_path (the "
            f"client suite expires tokens by moving the server's clock), not {server.time.mode!r}"
        )
    if not server.target.base_url and not server.target.command:
        raise ClientUnreachable(
            f"[api] server_profile: {path} needs [target] base_url or command: the browser "
            "reaches the API over HTTP (an in-process app cannot serve it)"
        )
    api = replace(
        profile.api,
        rotation=server.capabilities.rotation,
        cookie=server.cookie_transport,
        login_path=server.login.path,
        refresh_path=server.refresh.path,
        logout_path=server.logout[0].path if server.logout else profile.api.logout_path,
        protected_paths=server.protected_paths or profile.api.protected_paths,
    )
    process: TargetProcess | None = None
    base_url = server.target.base_url
    if server.target.command:
        process = TargetProcess(server.target, ready_path=Target(server).ready_path)
        try:
            asyncio.run(process.start())
        except LaunchError as exc:
            raise ClientUnreachable(f"[api] server_profile: {exc}") from None
        base_url = process.base_url
    api = paths_under_base_url(api, base_url)
    external = ExternalApi(
        base_url=base_url,
        clock_path=server.time.clock_path,
        access_ttl=server.lifetimes.access,
        refresh_ttl=server.lifetimes.refresh,
        process=process,
        refresh=server.refresh,
        client_auth=server.client,
        access_token_field=server.login.access_token_field,
        refresh_token_field=server.login.refresh_token_field,
    )
    return replace(profile, api=api), external


def paths_under_base_url(api: ApiSpec, base_url: str) -> ApiSpec:
    """The API's paths as the browser requests them. A server profile's paths are relative to
    its base_url, which may end in a path (`http://127.0.0.1:8000/api/v1`): the browser then
    calls `/api/v1/login`, and the network log, the faults and the token checks must match that.
    The suite's own requests (clock, an old refresh token) go through base_url and keep the
    server profile's relative paths."""
    prefix = urlsplit(base_url).path.rstrip("/")
    if not prefix:
        return api
    return replace(
        api,
        login_path=prefix + api.login_path,
        refresh_path=prefix + api.refresh_path,
        logout_path=prefix + api.logout_path,
        protected_paths=tuple(prefix + path for path in api.protected_paths),
    )
