"""Runs a selection of the catalogue against one target and collects a verdict per case."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from conformance.catalogue import CATALOGUE
from conformance.catalogue.case import Case, declared_absent, skip_reason
from conformance.context import CaseContext
from conformance.exchange import Exchange
from conformance.forge import Forger, decode_unverified
from conformance.judging import declared_detail, judge
from conformance.jwks import load_jwks
from conformance.launch import LaunchError, TargetProcess
from conformance.outcomes import (
    HarnessError,
    Outcome,
    TargetError,
)
from conformance.pacing import Pacer
from conformance.prefetch import LoginPool
from conformance.profile import Profile
from conformance.redaction import Redactor
from conformance.sessions import Session
from conformance.target import AppFactory, ASGIApp, Target
from conformance.timecontrol import TimeControl, make_time_control

__all__ = [
    "CaseResult",
    "SuiteResult",
    "TargetUnreachable",
    "run_suite",
    "run_suite_async",
    "select_cases",
]

# The most one case may take; per-request deadlines normally end a stuck case much sooner.
CASE_DEADLINE = 120.0
# Cases that declare `overlaps` run this many at a time, against a slow login only (a login at
# least OVERLAP_LOGIN_S): there each spends most of its time waiting for logins of its own, made
# after something it sent, and for logins with other credentials to be hashed. Elsewhere cases
# run one by one, in catalogue order. 20: the catalogue's 19 such cases go in one group.
OVERLAP = 20
OVERLAP_LOGIN_S = 0.1


class TargetUnreachable(HarnessError):
    """The target did not answer before any case ran (exit status 2, not a list of ERRORs)."""


@dataclass
class CaseResult:
    case: Case
    outcome: Outcome
    detail: str = ""
    expected: str = ""
    actual: str = ""
    exchanges: list[Exchange] = field(default_factory=list)
    duration_ms: float = 0.0
    # Listed in the expected-failures file and it did deviate: reported, but does not fail the run.
    expected_failure: bool = False
    # The root cause a failure shares with other cases (CaseFailure.cause), for grouping.
    cause: str = ""

    @property
    def deviated(self) -> bool:
        return self.outcome in (Outcome.FAIL, Outcome.NON_STRICT, Outcome.ERROR)

    def fails_run(self, strict: bool) -> bool:
        if self.expected_failure:
            return False
        if self.outcome is Outcome.NON_STRICT:
            return strict
        return self.outcome in (Outcome.FAIL, Outcome.ERROR)


@dataclass
class SuiteResult:
    profile: Profile
    results: list[CaseResult]
    duration_s: float
    strict: bool = False
    # Expected-failures entries whose case ran and no longer deviates.
    stale_expected: list[str] = field(default_factory=list)
    # Sessions the run logged in, and how many of them its final logout round ended.
    sessions_opened: int = 0
    sessions_logged_out: int = 0
    sessions_expired: int = 0
    # Sessions logged in ahead that cases took, and the most such logins in flight at once.
    logins_ahead: int = 0
    logins_ahead_in_flight: int = 0
    # Of the logins ahead, those kept across a move of a frozen clock (conformance.prefetch).
    logins_carried: int = 0
    # Of the logins ahead, those from before a change of the test user that went to cases
    # proving their sessions (Case.checks_sessions).
    logins_kept: int = 0
    # The most cases that ran alongside each other (conformance.runner.OVERLAP); 1 if none did.
    most_alongside: int = 1
    # What every report passes its text through: tokens shortened, secrets cut.
    redact: Redactor = field(default_factory=Redactor)

    def counts(self) -> Counter[Outcome]:
        """Results per outcome; DECLARED has its own count (a finding the profile declared,
        which does not fail the run), apart from SKIP ("does not apply")."""
        return Counter(result.outcome for result in self.results)

    def declared(self) -> list[CaseResult]:
        return [result for result in self.results if result.outcome is Outcome.DECLARED]

    def by_cause(self) -> dict[str, list[CaseResult]]:
        """Deviations that share a root cause, cause -> results (only causes with a result)."""
        groups: dict[str, list[CaseResult]] = {}
        for result in self.results:
            if result.deviated and result.cause:
                groups.setdefault(result.cause, []).append(result)
        return groups

    @property
    def failed(self) -> bool:
        return bool(self.stale_expected) or any(r.fails_run(self.strict) for r in self.results)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def by_id(self) -> dict[str, CaseResult]:
        return {result.case.id: result for result in self.results}


def select_cases(prefixes: Sequence[str] = (), catalogue: Iterable[Case] = CATALOGUE) -> list[Case]:
    """Cases whose ID starts with one of `prefixes` (case-insensitive); all when none given."""
    wanted = tuple(prefix.upper() for prefix in prefixes)
    return [case for case in catalogue if not wanted or case.id.upper().startswith(wanted)]


async def _within(run: Awaitable[None], deadline: float, pacer: Pacer | None) -> None:
    """Run a case within `deadline` seconds, not counting the time it spent waiting to keep
    under the target's declared limits (a slow throttle makes a run long, not a case stuck)."""
    task = asyncio.ensure_future(run)
    budget = deadline
    waited = pacer.waited if pacer is not None else 0.0
    while True:
        done, _ = await asyncio.wait({task}, timeout=budget)
        if done:
            return task.result()
        extra = (pacer.waited if pacer is not None else 0.0) - waited
        if extra <= 0:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            raise TimeoutError
        waited += extra
        budget = extra


async def _run_case(case: Case, context: CaseContext, deadline: float) -> CaseResult:
    result = CaseResult(case, Outcome.PASS, exchanges=context.exchanges)
    reason = skip_reason(context.profile, case.needs)
    absent = declared_absent(context.profile, case.needs)
    if absent is not None:
        result.outcome, result.detail = Outcome.DECLARED, declared_detail(case, absent)
        return result
    if reason is not None:
        result.outcome, result.detail = Outcome.SKIP, reason
        return result
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        await _within(case.run(context), deadline, context.pacer)
    except TimeoutError:
        result.outcome = Outcome.ERROR
        result.detail = f"the case did not finish within {deadline:g} s"
    except Exception as exc:
        # The same mapping as the client suite's runner (conformance/judging.py).
        judge(case, exc).apply_to(result)
    else:
        if context.notes:
            result.outcome = Outcome.NON_STRICT
            result.detail = "; ".join(context.notes)
    result.duration_ms = (loop.time() - started) * 1000
    return result


async def _keep_under_limits(pacer: Pacer, clock: TimeControl, pool: LoginPool | None) -> None:
    """Freeze/clock: move time past the declared windows once half a budget is spent, so
    ordinary cases never meet a 429 the rate-limit family did not ask for. (forge/wait pace
    each request in real time instead: conformance/pacing.py.)"""
    if pacer.real_time or not pacer.spent_half():
        return
    if pool is not None:
        pool.invalidate(refill=False, clock_only=True)
    await clock.advance(pacer.longest_window + 1, [])
    if pool is not None:
        pool.invalidate(refill=True, clock_only=True)
    pacer.moved_past_windows()


def _login_pool(
    profile: Profile, target: Target, clock: TimeControl, forger: Forger, pacer: Pacer
) -> LoginPool:
    """A pool of logins made ahead with the profile's credentials. (A declared login throttle
    counts failed logins only, so these, which succeed, spend none of its budget.)"""

    async def log_in(record: list[Exchange]) -> Session:
        context = CaseContext(profile, target, clock, forger, exchanges=record, pacer=pacer)
        return await context.login()

    frozen = clock.mode == "freeze"
    return LoginPool(
        log_in,
        wall_clock=not frozen,
        risky_events=lambda: target.risky_events,
        minted_now=_minted_at_frozen_now if frozen else None,
        logins_at_once=lambda: target.login_gate.limit,
    )


def _minted_at_frozen_now(session: Session) -> bool:
    """Freeze mode: the session's tokens say they were issued in the frozen clock's current
    second (time.time() is the frozen clock here), so after every move of it so far. Tokens
    without an `iat` cannot show it. The frozen clock starts on a whole second and moves by
    whole seconds; off one, this cannot be shown to the second, so nothing is carried."""
    now = time.time()
    if now != int(now):
        return False
    for token in (session.access, session.refresh):
        try:
            issued = decode_unverified(token)[1].get("iat")
        except Exception:
            if token is session.access:
                return False
            continue  # an opaque refresh token: the access token speaks for the login
        if not isinstance(issued, int | float) or issued != now:
            return False
    return True


async def _decide(
    case: Case,
    make: Callable[[LoginPool | None], CaseContext],
    pool: LoginPool | None,
    deadline: float,
) -> CaseResult:
    """Run `case`; when it deviated after taking a session logged in ahead of a logout or a
    refused refresh (either may revoke other sessions of the user on some servers), decide it
    again on logins of its own, so that the optimisation can never be the cause of a verdict."""
    context = make(pool)
    context.checks_sessions = case.checks_sessions
    result = await _run_case(case, context, deadline)
    if pool is not None:
        pool.release()
    if context.took_suspect_session and result.outcome is not Outcome.PASS:
        again = make(pool)
        # Logins of its own only; but the pool still hears of every clock move the case makes,
        # or it would hand the next case a session from before it.
        again.fresh_logins = True
        result = await _run_case(case, again, deadline)
        if pool is not None:
            pool.release()
    return result


def _overlapping(
    selected: Sequence[Case],
    start: int,
    scheduled: Container[int],
    pacer: Pacer,
    pool: LoginPool | None,
    slow_at_start: bool,
) -> list[int]:
    """The index `start` (the first case not yet run), with the cases that may run alongside
    it: all declare `overlaps`, logins are slow (as measured, or as `slow_at_start` found
    before the first landed), and no declared login throttle counts their
    wrong logins (whose order would then decide which case meets it). The others join from
    wherever they stand later in the selection: such a case only sends requests and judges the
    answers, so what the cases before it did decides nothing of its verdict, and run earlier it
    meets a target that fewer cases have touched. Results still come out in catalogue order."""
    first = selected[start]
    may_overlap = (
        first.overlaps
        and pool is not None
        and (pool.login_seconds >= OVERLAP_LOGIN_S or (pool.login_seconds == 0.0 and slow_at_start))
        and pacer.login is None
    )
    if not may_overlap:
        return [start]
    group = [start]
    for index in range(start + 1, len(selected)):
        if len(group) == OVERLAP:
            break
        if index not in scheduled and selected[index].overlaps:
            group.append(index)
    return group


async def _decide_together(
    group: Sequence[Case],
    make: Callable[[LoginPool | None], CaseContext],
    pool: LoginPool | None,
    deadline: float,
) -> list[CaseResult]:
    """Decide the cases of `group` at the same time; results in the group's order."""
    if len(group) == 1:
        return [await _decide(group[0], make, pool, deadline)]
    if pool is not None:
        pool.alongside = True
    try:
        return list(await asyncio.gather(*(_decide(case, make, pool, deadline) for case in group)))
    finally:
        if pool is not None:
            pool.alongside = False


async def run_suite_async(
    profile: Profile,
    *,
    cases: Sequence[Case] | None = None,
    app: ASGIApp | None = None,
    app_factory: AppFactory | None = None,
    strict: bool = False,
    on_result: Callable[[CaseResult], None] | None = None,
    redactor: Redactor | None = None,
    log_in_ahead: bool = True,
) -> SuiteResult:
    """Run `cases` (default: the whole catalogue) against the profile's target; then log out
    every session the run opened. `redactor` (default: shorten everything) is what the
    reports will pass their text through; `log_in_ahead` keeps a pool of logins made ahead,
    concurrently (conformance.prefetch)."""
    selected = list(CATALOGUE if cases is None else cases)
    loop = asyncio.get_running_loop()
    started = loop.time()
    run = partial(
        _run_cases,
        selected=selected,
        app=app,
        app_factory=app_factory,
        strict=strict,
        on_result=on_result,
        started=started,
        redactor=redactor,
        log_in_ahead=log_in_ahead,
    )
    if not profile.target.command:
        return await run(profile)
    process = TargetProcess(profile.target, ready_path=Target(profile).ready_path)
    try:
        await process.start()
    except LaunchError as exc:
        process.close()
        raise TargetUnreachable(str(exc)) from None
    try:
        # The started server's URL; the command stays, so the persistence cases know the
        # suite can restart it.
        return await run(
            replace(profile, target=replace(profile.target, base_url=process.base_url)),
            restarter=process.restart,
        )
    finally:
        await process.stop()
        process.close()


async def _run_cases(
    profile: Profile,
    selected: list[Case],
    app: ASGIApp | None,
    app_factory: AppFactory | None,
    strict: bool,
    on_result: Callable[[CaseResult], None] | None,
    started: float,
    *,
    restarter: Callable[[], Awaitable[None]] | None = None,
    redactor: Redactor | None = None,
    log_in_ahead: bool = True,
) -> SuiteResult:
    loop = asyncio.get_running_loop()
    forger = Forger(profile.signing)
    results: list[CaseResult] = []
    redactor = redactor if redactor is not None else Redactor()
    target = Target(
        profile, app=app, app_factory=app_factory, redactor=redactor, restarter=restarter
    )
    async with target:
        clock = make_time_control(profile, target)
        try:
            await target.request("GET", target.ready_path, [])
            await clock.start()
        except TargetError as exc:
            raise TargetUnreachable(f"target {target.base_url} unreachable: {exc}") from None
        if profile.signing.jwks_url:
            forger.public_keys = await load_jwks(profile.signing.jwks_url, target)
        pacer = Pacer(profile, real_time=clock.mode in ("forge", "wait"))
        # Real-time pacing may wait out a declared window (twice, in the RATE-LIMIT cases).
        # Real-time pacing waits are not counted (see _within); the RATE-LIMIT cases' own waits
        # for a fresh window and a Retry-After are.
        deadline = CASE_DEADLINE + (3 * pacer.longest_window if pacer.real_time else 0.0)
        # Pacing in real time (forge, wait) keeps the suite under declared limits by counting
        # requests as they go; logins made ahead and cases decided twice would race that count
        # (a refused login in a disabled-user window counts against a login throttle).
        real_time_limits = pacer.real_time and pacer.longest_window > 0
        pool = (
            _login_pool(profile, target, clock, forger, pacer)
            if log_in_ahead and not real_time_limits
            else None
        )

        def context(with_pool: LoginPool | None) -> CaseContext:
            return CaseContext(profile, target, clock, forger, pacer=pacer, pool=with_pool)

        most_alongside = 1
        try:
            if pool is not None:
                pool.start()
            # Whether the first cases may overlap depends on whether logins are slow.
            slow_at_start = (
                pool is not None
                and bool(selected)
                and selected[0].overlaps
                and await pool.slower_than(OVERLAP_LOGIN_S)
            )
            decided: dict[int, CaseResult] = {}
            start = 0
            while start < len(selected):
                await _keep_under_limits(pacer, clock, pool)
                group = _overlapping(selected, start, decided, pacer, pool, slow_at_start)
                outcomes = await _decide_together(
                    [selected[index] for index in group], context, pool, deadline
                )
                decided.update(zip(group, outcomes, strict=True))
                most_alongside = max(most_alongside, len(group))
                # Report in catalogue order: a case run ahead waits for those before it.
                while len(results) in decided:
                    result = decided[len(results)]
                    results.append(result)
                    if on_result is not None:
                        on_result(result)
                while start in decided:
                    start += 1
            if pool is not None:
                await pool.close(within=target.timeout)
            logged_out, expired = await _log_out_everything(context(None))
        finally:
            if pool is not None:
                await pool.close(within=0)
            # Putting the target's clock back is a courtesy; a target gone by now must not
            # turn a finished run into a crash.
            with contextlib.suppress(HarnessError):
                await clock.stop()
    suite = SuiteResult(profile, results, loop.time() - started, strict, redact=redactor)
    suite.sessions_opened, suite.sessions_logged_out = target.sessions.opened, logged_out
    suite.sessions_expired = expired
    suite.most_alongside = most_alongside
    if pool is not None:
        suite.logins_ahead, suite.logins_ahead_in_flight = pool.handed_out, pool.most_in_flight
        suite.logins_carried = pool.carried
        suite.logins_kept = pool.kept_handed_out
    return suite


# Logouts at the end of a run go this many at a time, within this many request deadlines.
LOGOUT_CONCURRENCY = 8
LOGOUT_DEADLINES = 2


async def _log_out_everything(context: CaseContext) -> tuple[int, int]:
    """Log out every session still open, so the run leaves no live refresh token behind:
    (logouts the target accepted, sessions whose refresh token had expired anyway). A session
    whose access token expired is refreshed first, as a client would. Nothing here can change a
    verdict: every failure is swallowed, and a slow target is left after a bounded wait."""
    if not context.profile.logout:
        return 0, 0
    try:
        now = await context.now()
    except Exception:
        return 0, 0
    sessions = context.target.sessions.still_open()
    live = [session for session in sessions if not _expired(session.refresh, now)]
    gate = asyncio.Semaphore(LOGOUT_CONCURRENCY)

    async def log_out(session: Session) -> bool:
        async with gate:
            try:
                if all(r.is_success for r in await context.logout(session)):
                    return True
                renewed = await context.refresh(session)
                return all(r.is_success for r in await context.logout(renewed))
            except Exception:
                return False

    tasks = [asyncio.create_task(log_out(session)) for session in live]
    if not tasks:
        return 0, len(sessions)
    done, pending = await asyncio.wait(tasks, timeout=LOGOUT_DEADLINES * context.target.timeout)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
    return sum(1 for task in done if task.result()), len(sessions) - len(live)


def _expired(token: str, now: float) -> bool:
    """The token's `exp` (when it is a JWT that has one) is past: nothing left to log out."""
    try:
        exp = decode_unverified(token)[1].get("exp")
    except Exception:
        return False
    return isinstance(exp, int | float) and exp <= now


def run_suite(
    profile: Profile,
    *,
    cases: Sequence[Case] | None = None,
    app: ASGIApp | None = None,
    app_factory: AppFactory | None = None,
    strict: bool = False,
    on_result: Callable[[CaseResult], None] | None = None,
    redactor: Redactor | None = None,
    log_in_ahead: bool = True,
) -> SuiteResult:
    """Synchronous `run_suite_async`, for scripts and tests outside an event loop."""
    return asyncio.run(
        run_suite_async(
            profile,
            cases=cases,
            app=app,
            app_factory=app_factory,
            strict=strict,
            on_result=on_result,
            redactor=redactor,
            log_in_ahead=log_in_ahead,
        )
    )
