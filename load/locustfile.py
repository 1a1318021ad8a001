"""Locust users for dual-token load runs: expiring, naive, tabbed and mixed-token clients.

    locust -f load/locustfile.py --config load/locust.conf --headless --host URL SingleFlightClient

Pick the clients by class name; `python -m load` runs the usual combinations and writes the
summary. `locust -f load/locustfile.py --help` lists every dualtoken option.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import gevent
from locust import FastHttpUser, constant, events, task
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment
from locust.runners import WorkerRunner

from conformance.outcomes import HarnessError, Skipped
from load.browser import BrowserSession, BrowserTab, NaiveTab, Recorder, ServerClock, fire_batch
from load.figures import Thresholds, compute_figures, violations
from load.scenario import STATE, Plan, SteppedExpiry
from load.target import ProfileError, load_target, read_profile_text
from load.verdicts import TokenMixProbe
from load.wire import LocustHttp

__all__ = [
    "MixedTokenClient",
    "MultiTabBrowser",
    "NaiveClient",
    "SingleFlightClient",
    "SteppedExpiry",
]

log = logging.getLogger("dualtoken.load")

THRESHOLD_EXIT_CODE = 3


class ExpiringClient(FastHttpUser):
    """A browser that logs in, then at each expiry moment fires K requests at once."""

    abstract = True
    kind: ClassVar[str] = "single-flight"
    tab_class: ClassVar[type[BrowserTab]] = BrowserTab
    wait_time = constant(0)  # the task itself waits for the next expiry moment
    network_timeout = 30.0
    connection_timeout = 10.0

    def tab_count(self) -> int:
        return 1

    def on_start(self) -> None:
        # Taken before logging in: a client whose login straddles the expiry moment takes part.
        self.seen_epoch = STATE.epoch
        target = STATE.require_target()
        http = LocustHttp(self.client)
        self.recorder = Recorder(STATE.tally, STATE.current_step, self.kind)
        self.session = BrowserSession(self.recorder)
        clock = ServerClock(http, target)
        self.tabs = [
            self.tab_class(http, target, self.session, clock) for _ in range(self.tab_count())
        ]
        try:
            if self.tabs[0].login():
                # The app is in use before its token expires: its connections are open (a cold
                # start would stagger the first answers and hide the race between tabs).
                warm_up = min(STATE.plan.concurrent_requests, STATE.plan.connections)
                tabs = self.tabs
                fire_batch([tabs[i % len(tabs)].fetch_protected for i in range(warm_up)])
                self.session.close_episodes()
        finally:
            STATE.client_armed(self.environment.runner)

    @task
    def live_through_expiry(self) -> None:
        epoch = STATE.wait_for_expiry(self.seen_epoch, timeout=1.0)
        if epoch is None:
            return
        self.seen_epoch = epoch
        try:
            if STATE.plan.jitter:
                gevent.sleep(random.uniform(0, STATE.plan.jitter))
            self._use_the_app()
        finally:
            STATE.client_finished(epoch, self.environment.runner)

    def _use_the_app(self) -> None:
        session = self.session
        if session.logged_out and not self._sign_in():
            return
        self._age_token_if_told()
        count = STATE.plan.concurrent_requests
        fire_batch([self.tabs[i % len(self.tabs)].fetch_protected for i in range(count)])
        session.close_episodes()
        if session.logged_out:
            # Back at the login page, the user signs in again straight away, so the next
            # expiry moment finds every client holding a session it can lose.
            self._sign_in()

    def _sign_in(self) -> bool:
        again = self.session.generation > 0
        signed_in = self.tabs[0].login()
        if signed_in and again:
            self.recorder.add("relogins")
        return signed_in

    def _age_token_if_told(self) -> None:
        """Forge mode: at the expiry moment, swap the access token for an expired copy."""
        target = STATE.require_target()
        if target.time_mode != "forge" or self.session.access is None:
            return
        try:
            self.session.access = target.expired_copy(self.session.access, time.time())
        except (HarnessError, Skipped) as exc:
            self.recorder.note(f"cannot forge an expired token: {exc}")


class SingleFlightClient(ExpiringClient):
    """The fixed browser client: one refresh per expiry, each request retried once."""

    kind = "single-flight"


class NaiveClient(ExpiringClient):
    """The seed's client: every refused request refreshes by itself."""

    kind = "naive"
    tab_class = NaiveTab


class MultiTabBrowser(ExpiringClient):
    """One user with several tabs sharing stored tokens, each tab with its own single flight."""

    kind = "tabs"

    def tab_count(self) -> int:
        return STATE.plan.tabs


class MixedTokenClient(FastHttpUser):
    """Sends a known mix of valid, expired, revoked, wrongly signed and wrong-type tokens."""

    fixed_count = 4
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        target = STATE.require_target()
        http = LocustHttp(self.client)
        recorder = Recorder(STATE.tally, STATE.current_step, "mixed")
        self.probe = TokenMixProbe(http, target, recorder, ServerClock(http, target))
        self.batch_started = time.monotonic()
        # Spread the probes over one pacing period, so some land in every storm.
        gevent.sleep(random.uniform(0, STATE.plan.mixed_pacing))

    def wait_time(self) -> float:
        return max(0.0, self.batch_started + STATE.plan.mixed_pacing - time.monotonic())

    @task
    def send_the_mix(self) -> None:
        self.batch_started = time.monotonic()
        self.probe.run_batch(STATE.plan.concurrent_requests)


USER_CLASSES: tuple[type[FastHttpUser], ...] = (
    SingleFlightClient,
    NaiveClient,
    MultiTabBrowser,
    MixedTokenClient,
)


# Options ---------------------------------------------------------------------------------------


# (flag, type, default, help); thresholds take a negative value to switch them off.
OPTIONS: tuple[tuple[str, type, object, str], ...] = (
    ("--target-profile", str, "", "conformance target profile (TOML); default: reference server"),
    ("--time-mode", str, "", "clock, forge or wait: how tokens expire (default: the profile's)"),
    ("--access-lifetime", int, 0, "access token lifetime in s, if not the profile's"),
    ("--steps", str, "10,50,100,200", "user counts of the stepped run, comma-separated"),
    ("--settle", float, 0.2, "least seconds into a step before every token expires"),
    ("--round-timeout", float, 15.0, "longest wait for a step's clients to finish"),
    ("--concurrent-requests", int, 10, "K: protected requests each client sends at once"),
    ("--jitter", float, 0.0, "spread the clients' requests over this many seconds"),
    ("--tabs", int, 3, "tabs per MultiTabBrowser user"),
    ("--mixed-users", int, 4, "MixedTokenClient users, on top of each step's users"),
    ("--mixed-pacing", float, 0.5, "seconds between a MixedTokenClient's batches"),
    ("--connections-per-user", int, 6, "HTTP connections per simulated browser"),
    ("--run-name", str, "", "name of this run in the summary"),
    ("--report-dir", str, "", "folder for figures.json"),
    ("--max-refresh-p95-ms", float, 2500.0, "threshold: /refresh p95 in ms"),
    ("--max-failure-ratio", float, 0.01, "threshold: failed requests / requests"),
    ("--max-storm-factor", float, 1.0, "threshold: storm factor of single-flight clients"),
    ("--max-wrong-verdicts", int, 0, "threshold: wrong verdicts on mixed tokens"),
    ("--max-false-logouts", int, 0, "threshold: users logged out without cause"),
)


def _add_options(parser: LocustArgumentParser) -> None:
    group = parser.add_argument_group("dualtoken", "dual-token load options (load/README.md)")
    for flag, kind, default, text in OPTIONS:
        group.add_argument(flag, type=kind, default=default, help=text)


def _plan_from(options: Any) -> Plan:
    try:
        steps = tuple(int(part) for part in str(options.steps).split(",") if part.strip())
    except ValueError:
        raise ProfileError(
            f"--steps: expected user counts like 10,50,100, got {options.steps!r}"
        ) from None
    checks = [
        (
            bool(steps) and all(n > 0 for n in steps),
            "--steps: give at least one positive user count",
        ),
        (options.settle >= 0, "--settle must be 0 or more"),
        (options.round_timeout > 0, "--round-timeout must be positive"),
        (options.jitter >= 0, "--jitter must be 0 or more"),
        (options.mixed_pacing > 0, "--mixed-pacing must be positive"),
        (options.concurrent_requests >= 1, "--concurrent-requests must be at least 1"),
        (options.tabs >= 1, "--tabs must be at least 1"),
        (options.mixed_users >= 0, "--mixed-users must be 0 or more"),
        (options.connections_per_user >= 1, "--connections-per-user must be at least 1"),
    ]
    for ok, message in checks:
        if not ok:
            raise ProfileError(message)
    return Plan(
        steps=steps,
        settle=options.settle,
        round_timeout=options.round_timeout,
        concurrent_requests=options.concurrent_requests,
        tabs=options.tabs,
        mixed_users=options.mixed_users,
        mixed_pacing=options.mixed_pacing,
        connections=options.connections_per_user,
        jitter=options.jitter,
    )


def _configure(environment: Environment) -> None:
    """Build this process's target and plan from the options (a worker's come from the master)."""
    options = environment.parsed_options
    if options is None:
        return
    if not getattr(options, "dualtoken_profile_text", ""):
        text, source = read_profile_text(options.target_profile or None)
        options.dualtoken_profile_text, options.dualtoken_profile_source = text, source
    target = load_target(
        options.dualtoken_profile_text,
        source=options.dualtoken_profile_source,
        base_url=environment.host or None,
        time_mode=options.time_mode or None,
        access_lifetime=options.access_lifetime or None,
    )
    STATE.target = target
    STATE.plan = _plan_from(options)
    if not environment.host:
        environment.host = target.base_url
    for user_class in USER_CLASSES:
        user_class.concurrency = STATE.plan.connections + 1  # + 1 for the refresh call
    MixedTokenClient.fixed_count = STATE.plan.mixed_users
    selected = {cls.__name__ for cls in environment.user_classes}
    STATE.mixed_users = STATE.plan.mixed_users if "MixedTokenClient" in selected else 0


def _configure_or_exit(environment: Environment) -> None:
    try:
        _configure(environment)
    except ProfileError as exc:
        log.error("%s", exc)
        raise SystemExit(2) from None


def _on_init(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if runner is not None:
        STATE.listen(runner)
    if isinstance(runner, WorkerRunner):
        return  # a worker learns its options from the master's first spawn message
    _configure_or_exit(environment)


def _on_test_start(environment: Environment, **_: Any) -> None:
    STATE.started = time.monotonic()
    if isinstance(environment.runner, WorkerRunner):
        _configure_or_exit(environment)


def _send_tally(client_id: str, data: dict[str, Any], **_: Any) -> None:
    data["dualtoken"] = STATE.tally.drain()


def _receive_tally(client_id: str, data: dict[str, Any], **_: Any) -> None:
    STATE.tally.merge(data.get("dualtoken", {}))


# Figures and thresholds -----------------------------------------------------------------------


def _thresholds(options: Any) -> Thresholds:
    return Thresholds(
        max_refresh_p95_ms=options.max_refresh_p95_ms,
        max_failure_ratio=options.max_failure_ratio,
        max_storm_factor=options.max_storm_factor,
        max_wrong_verdicts=options.max_wrong_verdicts,
        max_false_logouts=options.max_false_logouts,
    )


def _judge_run(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or STATE.target is None:
        return
    options = environment.parsed_options
    assert options is not None
    runner = environment.runner
    classes = [cls.__name__ for cls in environment.user_classes]
    figures = compute_figures(
        environment.stats, STATE, run=options.run_name or "+".join(classes), user_classes=classes
    )
    limits = _thresholds(options)
    broken = violations(figures, limits)
    figures["thresholds"] = limits.as_dict()
    figures["violations"] = broken
    figures["passed"] = not broken
    figures["locust_cpu_warning"] = bool(runner is not None and runner.cpu_warning_emitted)
    if options.report_dir:
        folder = Path(options.report_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "figures.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    for line in _headline(figures):
        log.info("%s", line)
    if broken:
        for reason in broken:
            log.error("threshold broken: %s", reason)
        environment.process_exit_code = THRESHOLD_EXIT_CODE


def _headline(figures: dict[str, Any]) -> list[str]:
    refresh = figures["refresh"]
    lines = [
        f"{figures['run']}: {figures['requests']} requests, {figures['requests_per_s']} req/s, "
        f"failure ratio {figures['failure_ratio']:.4f}, refresh p50/p95/p99 "
        f"{refresh['p50']}/{refresh['p95']}/{refresh['p99']} ms",
    ]
    for kind, data in figures["kinds"].items():
        lines.append(
            f"  {kind}: {data['expiry_events']} expiry events, {data['refresh_calls']} refreshes, "
            f"storm factor {data['storm_factor']}, false logouts {data['false_logouts']}"
        )
    verdicts = figures["verdicts"]
    lines.append(f"  verdicts: {verdicts['checked']} checked, {verdicts['wrong']} wrong")
    return lines


def _listen(hook: Any, handler: Callable[..., None]) -> None:
    hook.add_listener(handler)  # Locust's EventHook is untyped; keep the Any in one place


_listen(events.init_command_line_parser, _add_options)
_listen(events.init, _on_init)
_listen(events.test_start, _on_test_start)
_listen(events.report_to_master, _send_tally)
_listen(events.worker_report, _receive_tally)
_listen(events.quitting, _judge_run)
