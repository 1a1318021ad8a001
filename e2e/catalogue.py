"""The client catalogue: what a browser app doing dual-token refresh must get right.

Each case has a stable ID, a source and a level, like the server catalogue's, and is declared as
a conformance `Case` so that the server suite's report writers render it unchanged. Its `check`
drives the app through an `AppDriver` and raises `CaseFailure` on a deviation, `Skipped` when it
does not apply, `HarnessError` when the suite could not decide.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from conformance.catalogue.case import Case
from conformance.context import CaseContext
from conformance.outcomes import CaseFailure, HarnessError, Level, Skipped
from e2e.driver import AppDriver, BurstResult, LateCall
from e2e.profile import ClientProfile

__all__ = ["CLIENT_CATALOGUE", "ClientCase", "client_case_ids", "select_client_cases"]

#: The issue's bound: once the refresh failed, every waiting call settles within this.
SETTLE_MS = 2_000
#: How long the suite watches for a late second refresh, or a loop of them.
QUIET_MS = 500
#: A slow refresh: the API answers /refresh only after this long.
SLOW_REFRESH_MS = 5_000

SEED = "seed design (dual-token-refresh.md)"
Check = Callable[[AppDriver], None]
Applies = Callable[[ClientProfile], str | None]


async def _runs_in_the_browser(_: CaseContext) -> None:
    raise HarnessError("a client case runs in the browser runner (python -m e2e), not over HTTP")


@dataclass(frozen=True)
class ClientCase:
    """A browser case: its report identity (`case`), its check, and when it applies."""

    case: Case
    check: Check = field(repr=False)
    applies: Applies = field(repr=False)

    @property
    def id(self) -> str:
        return self.case.id


CLIENT_CATALOGUE: list[ClientCase] = []


def _always(_: ClientProfile) -> str | None:
    return None


def client_case(
    case_id: str,
    title: str,
    *,
    family: str,
    sends: str,
    requirement: str,
    spec: str,
    quote: str,
    level: Level = Level.MUST,
    applies: Applies = _always,
) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        case = Case(
            case_id, family, title, sends, requirement, spec, level, (), _runs_in_the_browser, quote
        )
        CLIENT_CATALOGUE.append(ClientCase(case, check, applies))
        return check

    return register


def client_case_ids() -> list[str]:
    return [case.id for case in CLIENT_CATALOGUE]


def select_client_cases(prefixes: Sequence[str] = ()) -> list[ClientCase]:
    wanted = tuple(prefix.upper() for prefix in prefixes)
    return [c for c in CLIENT_CATALOGUE if not wanted or c.id.upper().startswith(wanted)]


# --- conditions -------------------------------------------------------------------------------


def _body_refresh(profile: ClientProfile) -> str | None:
    if profile.api.cookie:
        return "not applicable: in cookie mode the browser, not the app, sends the refresh token"
    return None


def _rotation(profile: ClientProfile) -> str | None:
    if not profile.api.rotation:
        return "the profile turns rotation off ([api] rotation = false)"
    return _body_refresh(profile)


def _logout(profile: ClientProfile) -> str | None:
    if not profile.logout.declared:
        return "the profile declares no way to log out ([logout] selector or script)"
    return None


def _logout_and_storage(profile: ClientProfile) -> str | None:
    if not profile.storage.declared and not profile.api.cookie:
        return "the profile declares no token storage ([storage] access_key/refresh_key)"
    return _logout(profile)


def _cookie(profile: ClientProfile) -> str | None:
    if not profile.api.cookie:
        return "not applicable: the API is not in cookie mode ([api] cookie)"
    return None


# --- helpers ----------------------------------------------------------------------------------


def _refreshes(app: AppDriver, since: int) -> int:
    return len(app.recorder.api_calls(app.profile.api.refresh_path, since=since, method="POST"))


def _require_all_ok(burst: BurstResult, n: int, what: str) -> None:
    if not burst.settled or burst.ok != n:
        raise CaseFailure(f"all {n} calls answered ({what})", burst.describe())


def _protected_calls(app: AppDriver, since: int) -> int:
    return len(app.recorder.api_calls_to(app.profile.api.protected_paths, since=since))


#: The case that reports a client that never asks for a refresh: every case that needs one
#: names it when its premise fails.
NEVER_REFRESHES = "CLIENT-REFRESH-ONCE-01"
ASKS_FOR_A_REFRESH = "the app asks for a refresh when its calls meet the expired access token"


def _premise(condition: bool, what: str, covered_by: str) -> None:
    """Stop here unless *condition*: the case relies on *what*, which *covered_by* checks and
    reports. A broken premise is that case's finding, never a FAIL (or an ERROR) of this one
    about something else; worded as the server suite's `CaseContext.premise`."""
    if not condition:
        raise Skipped(f"premise not met: {what}; covered by {covered_by}")


def _wait_for_a_refresh(
    app: AppDriver, since: int, *, slot: str = "burst", within_ms: float = 5_000
) -> bool:
    """Whether the app asked for a refresh after log mark *since*, for the burst in *slot* of
    its main page. Waits until it did; or until the burst settled (or its page navigated away,
    e.g. to a login page) and QUIET_MS more passed without one; or *within_ms*. A client that
    gives up on a 401 without refreshing is told apart in half a second, not at the bound."""
    deadline = time.monotonic() + within_ms / 1000
    settled_at: float | None = None
    while _refreshes(app, since) < 1:
        now = time.monotonic()
        if now >= deadline:
            return False
        if settled_at is None:
            if not app.burst_pending(app.page, slot):
                settled_at = now
        elif now - settled_at >= QUIET_MS / 1000:
            return False
        app.quiet(20)
    return True


def _refreshes_in_a_new_session(app: AppDriver) -> bool:
    """Whether the app asks for a refresh at all, seen in a session of its own (log in, expire,
    1 call): for cases whose own steps (a reload, a second tab) may be what stopped it."""
    other = app.another_session()
    try:
        other.log_in()
        other.api.expire_access_tokens()
        mark = other.recorder.mark()
        other.fire(1)
        other.quiet(QUIET_MS)
        return _refreshes(other, mark) >= 1
    finally:
        other.close()


# --- one refresh per expiry -------------------------------------------------------------------

CONCURRENT = "client-concurrency"


@dataclass(frozen=True)
class HeldBurst:
    """A burst fired while /refresh was held: the log mark from before it, and the call held
    back on its way out (when the case asked for a late one)."""

    mark: int
    late: LateCall | None = None


def _burst_meets_held_refresh(
    app: AppDriver,
    n: int,
    *,
    answer: int | None = None,
    abort: bool = False,
    refresh_expired: bool = False,
    late: bool = False,
    premise: bool = True,
) -> HeldBurst:
    """Log in, expire the access token (or, with *refresh_expired*, both tokens), hold /refresh
    and fire *n* calls; once every call met its 401 (so the order of arrivals cannot decide the
    verdict), let the refresh through, or answer it *answer*, or fail it with a network error
    (*abort*). With *late*, the last call is held back on its way out, so that its 401 can come
    back after the refresh: only the others are waited for.

    The app must ask for that refresh: the case's premise (Skipped, naming the case that reports
    a client that never refreshes), unless *premise* is False (that case itself)."""
    app.log_in()
    if refresh_expired:
        app.api.expire_refresh_tokens()
    else:
        app.api.expire_access_tokens()
    held_back = app.hold_late_call(pass_first=n - 1) if late else None
    app.refresh_fault.hold()
    mark = app.recorder.mark()
    app.start_burst(n)
    met = n - 1 if late else n
    refreshed = _wait_for_a_refresh(app, mark)
    if premise:
        _premise(refreshed, ASKS_FOR_A_REFRESH, NEVER_REFRESHES)
    if refreshed:
        app.wait_for(lambda: app.refused_calls(mark) >= met and bool(app.refresh_fault.held), 5_000)
    app.refresh_fault.release(answer, abort=abort)
    return HeldBurst(mark, held_back)


def _one_refresh_for(n: int) -> Check:
    def check(app: AppDriver) -> None:
        mark = _burst_meets_held_refresh(app, n, premise=False).mark
        burst = app.await_burst(app.page)
        app.quiet(QUIET_MS)
        refreshes = _refreshes(app, mark)
        app.measurements[f"refresh_calls[{n} concurrent]"] = refreshes
        if refreshes == 0:
            # The finding every case that needs a refresh points to (NEVER_REFRESHES).
            raise CaseFailure(
                f"exactly 1 /refresh for {n} concurrent calls after expiry",
                f"no /refresh at all ({burst.describe()})",
                cause="never refreshes: a 401 is not followed by /refresh",
            )
        if refreshes != 1:
            raise CaseFailure(
                f"exactly 1 /refresh for {n} concurrent calls after expiry",
                f"{refreshes} /refresh calls ({burst.describe()})",
                cause="no single-flight refresh: every expired call refreshes",
            )
        _require_all_ok(burst, n, "after the one refresh")

    return check


QUOTE_SINGLE_FLIGHT = "防止多个请求同时过期 导致多次刷新 token (keep requests that expire together "
QUOTE_SINGLE_FLIGHT += "from refreshing the token several times)"

for _n, _number in ((10, "01"), (50, "02")):
    client_case(
        f"CLIENT-REFRESH-ONCE-{_number}",
        f"{_n} concurrent calls after expiry make exactly one /refresh",
        family=CONCURRENT,
        sends=f"log in, expire the access token, fire {_n} protected calls at once",
        requirement="one refresh serves every call that met the expired token",
        spec=f"{SEED} 前端实现思路 3",
        quote=QUOTE_SINGLE_FLIGHT,
    )(_one_refresh_for(_n))


@client_case(
    "CLIENT-REFRESH-ONCE-03",
    "a 401 that comes back after the refresh finished is retried with the new token",
    family=CONCURRENT,
    sends="log in, expire, fire 5 calls; hold the 5th until the others' refresh and retries are "
    "done, then let it meet its 401",
    requirement="a call that was sent with the old token does not start a second refresh",
    spec=f"{SEED} 前端实现思路 3",
    quote=QUOTE_SINGLE_FLIGHT,
)
def late_401_after_refresh(app: AppDriver) -> None:
    # The first 4 all meet their 401 before the refresh goes on: only the 5th can be late.
    held = _burst_meets_held_refresh(app, 5, late=True)
    mark = held.mark
    _premise(
        app.wait_for(lambda: app.answered_calls(mark, 200) >= 4, 5_000),
        f"the first 4 calls refreshed and answered within 5 s ({_refreshes(app, mark)} "
        "/refresh calls)",
        NEVER_REFRESHES,
    )
    assert held.late is not None
    held.late.release()
    burst = app.await_burst(app.page)
    app.quiet(QUIET_MS)
    refreshes = _refreshes(app, mark)
    if refreshes != 1:
        raise CaseFailure(
            "1 /refresh: the late 401 uses the token the first refresh got",
            f"{refreshes} /refresh calls",
            cause="a 401 that arrives after the refresh starts another",
        )
    _require_all_ok(burst, 5, "the late call retried with the new token")


@client_case(
    "CLIENT-RETRY-ONCE-01",
    "each call that met a 401 is retried at most once and ends answered",
    family=CONCURRENT,
    sends="log in, expire the access token, fire 10 protected calls; hold /refresh until every "
    "call met its 401",
    requirement="every call ends answered, with at most one retry per call",
    spec=f"{SEED} 前端实现思路 2; RFC 6750 §3.1",
    quote="Access Token 过期 → 拦截 401 错误 → 发起刷新请求 → 更新请求头 → 重新发送原请求",
)
def retry_once(app: AppDriver) -> None:
    # Held, like the single-flight cases: in arrival order, whether some 401 comes back after the
    # refresh finished is a race, and a client that refreshes again for it (CLIENT-REFRESH-ONCE-03)
    # would pass or fail this case by chance.
    mark = _burst_meets_held_refresh(app, 10).mark
    burst = app.await_burst(app.page)
    app.quiet(QUIET_MS)
    calls = _protected_calls(app, mark)
    if calls > 20:
        raise CaseFailure("at most 20 protected requests for 10 calls", f"{calls} requests")
    refreshes = _refreshes(app, mark)
    if refreshes > 1 and (not burst.settled or burst.ok != 10):
        # Calls left unanswered because each refreshed on its own (with rotation, all but the
        # first spend a used refresh token): the same defect CLIENT-REFRESH-ONCE-01 reports.
        raise CaseFailure(
            "all 10 calls answered (retried with the new token)",
            f"{burst.describe()} after {refreshes} /refresh calls",
            cause="no single-flight refresh: every expired call refreshes",
        )
    _require_all_ok(burst, 10, "retried with the new token")


@client_case(
    "CLIENT-RETRY-ONCE-02",
    "a route that refuses even the new token: one retry, the call fails promptly, no loop",
    family=CONCURRENT,
    sends="log in, expire the access token, make the protected route answer 401 to every token, "
    "fire 1 call",
    requirement="a 401 on the retry is final: the call settles within 2 s, no second refresh",
    spec=f"{SEED} 前端实现思路 2; RFC 6750 §3.1",
    quote="重新发送原请求 (resend the original request) — once; a refused retry is an answer",
)
def retry_refused(app: AppDriver) -> None:
    app.log_in()
    app.api.expire_access_tokens()
    app.refuse_protected_after_refresh()
    mark = app.recorder.mark()
    burst = app.fire(1, limit_ms=SETTLE_MS + 500)
    app.quiet(QUIET_MS)
    refreshes, calls = _refreshes(app, mark), _protected_calls(app, mark)
    if refreshes > 1 or calls > 2:
        raise CaseFailure(
            "1 /refresh and at most 2 attempts for one call",
            f"{refreshes} /refresh calls and {calls} attempts (a retry loop)",
            cause="retries without a limit",
        )
    # Without a refresh there was no retry to judge: one call that failed proves nothing here.
    _premise(refreshes >= 1, ASKS_FOR_A_REFRESH, NEVER_REFRESHES)
    if not burst.settled:
        raise CaseFailure(
            "the call settles within 2 s", burst.describe(), cause="waiters never settled"
        )


# --- the refresh fails ------------------------------------------------------------------------

FAILURE = "client-refresh-failure"


def _expect_session_ended(app: AppDriver, burst: BurstResult, ended: int | None = None) -> None:
    """Judge the session's end after the held refresh was refused: every waiter settled, the
    login view, and no /refresh once the session has ended (*ended*: the log mark from when it
    did; default, once the burst settled and the login view shows). Refreshes sent before that
    (one per call, from a client without single flight) are CLIENT-REFRESH-ONCE-01's to count:
    a storm is not a loop, and when the last of its refreshes goes out is a race."""
    if not burst.settled:
        raise CaseFailure(
            "every waiting call settles within 2 s once the refresh failed",
            burst.describe(),
            cause="waiters never settled after a failed refresh",
        )
    if not app.wait_for_login_view(SETTLE_MS):
        raise CaseFailure(
            "the login view within 2 s",
            f"still on {app.page.url}",
            cause="no way back to login",
        )
    since = app.recorder.mark() if ended is None else ended
    app.quiet(QUIET_MS)
    again = _refreshes(app, since)
    if again:
        raise CaseFailure(
            "no /refresh once the refused refresh ended the session (no loop)",
            f"{again} more /refresh calls",
            cause="refreshes again after a refused refresh",
        )


def _expect_session_kept(app: AppDriver, calls: int) -> None:
    burst = app.await_burst(app.page, within_ms=SETTLE_MS)
    if not burst.settled:
        raise CaseFailure(
            f"the {calls} calls settle within 2 s", burst.describe(), cause="waiters never settled"
        )
    app.quiet(QUIET_MS)
    if app.shows_login_view():
        raise CaseFailure(
            "the session kept (a transient refresh error proves nothing about it)",
            f"the app went to its login view ({app.page.url})",
            cause="any refresh error logs the user out",
        )
    app.refresh_fault.heal()
    later = app.fire(1)
    if later.ok != 1:
        raise CaseFailure(
            "a later call succeeds once /refresh works again",
            later.describe(),
            cause="any refresh error logs the user out",
        )


@dataclass(frozen=True)
class FaultKind:
    """What a correct client does after a refresh fault of this kind, and how it is graded."""

    ends_session: bool
    calls: int
    title: str
    sends: str
    requirement: str
    spec: str
    quote: str


#: A refusal ends the session: every waiter settles, the login view, no further refresh.
REFUSAL = FaultKind(
    ends_session=True,
    calls=5,
    title="{how}: waiting calls settle within 2 s, login view, no further refresh",
    sends="log in, {how}, expire the access token, fire 5 protected calls",
    requirement="a refused refresh ends the session: no waiter hangs, no refresh loop",
    spec=f"{SEED} 前端实现思路 4 (错误边界); RFC 6749 §5.2",
    quote="刷新失败 → 跳转登录页 (refresh failed → go to the login page)",
)
#: A transient error keeps it: the waiters settle, the user stays, later calls work.
TRANSIENT = FaultKind(
    ends_session=False,
    calls=3,
    title="{how}: the user stays logged in",
    sends="log in, {how}, expire the access token, fire 3 calls; then heal and fire 1",
    requirement="a 5xx, 429 or network error on refresh does not log the user out",
    spec=f"{SEED} 前端实现思路 4 (错误边界); RFC 6585 §4; RFC 9110 §15.6",
    quote="网络错误 → 友好提示 (network error → a friendly message)",
)
#: A refusal that a call held back meets only afterwards: it must settle too.
LATE_REFUSAL = replace(
    REFUSAL,
    title="a 401 that comes back after the refresh was refused settles too, without another "
    "refresh",
    sends="log in, expire, fire 5 calls, hold the 5th; {how}; then let the 5th meet its 401",
    requirement="a late 401 after the session ended settles within 2 s and starts no refresh",
    spec=f"{SEED} 前端实现思路 4 (错误边界)",
)


@dataclass(frozen=True)
class RefreshFaultRow:
    """One case of the refresh-fault family: what happens to the held /refresh."""

    case_id: str
    kind: FaultKind
    how: str
    answer: int | None = None
    abort: bool = False
    refresh_expired: bool = False

    @property
    def late(self) -> bool:
        return self.kind is LATE_REFUSAL


REFRESH_FAULTS = (
    RefreshFaultRow("CLIENT-REFRESH-FAIL-01", REFUSAL, "/refresh answers 401", answer=401),
    RefreshFaultRow("CLIENT-REFRESH-FAIL-02", REFUSAL, "/refresh answers 403", answer=403),
    # The real API refuses: the refresh token expired too. Held like the others so that every
    # call waits on the refresh before it fails.
    RefreshFaultRow(
        "CLIENT-REFRESH-FAIL-03",
        REFUSAL,
        "the refresh token expired on the server",
        refresh_expired=True,
    ),
    RefreshFaultRow("CLIENT-REFRESH-FAIL-04", LATE_REFUSAL, "/refresh answers 401", answer=401),
    RefreshFaultRow("CLIENT-REFRESH-TRANSIENT-01", TRANSIENT, "/refresh answers 500", answer=500),
    RefreshFaultRow("CLIENT-REFRESH-TRANSIENT-02", TRANSIENT, "/refresh answers 503", answer=503),
    RefreshFaultRow(
        "CLIENT-REFRESH-TRANSIENT-03",
        TRANSIENT,
        "/refresh answers 429 with Retry-After",
        answer=429,
    ),
    RefreshFaultRow(
        "CLIENT-REFRESH-TRANSIENT-04", TRANSIENT, "/refresh fails with a network error", abort=True
    ),
)


def _refresh_fault_check(row: RefreshFaultRow) -> Check:
    calls = row.kind.calls

    def check(app: AppDriver) -> None:
        held = _burst_meets_held_refresh(
            app,
            calls,
            answer=row.answer,
            abort=row.abort,
            refresh_expired=row.refresh_expired,
            late=row.late,
        )
        if not row.kind.ends_session:
            _expect_session_kept(app, calls)
            return
        if held.late is not None:
            late = held.late
            # The refresh was asked for (_burst_meets_held_refresh); the late call must be out.
            # No case judges a burst that sends fewer calls than asked: the suite cannot decide.
            if not app.wait_for(lambda: late.held is not None, 5_000):
                raise HarnessError(
                    f"could not tell: the app sent fewer than {calls} protected calls for a "
                    f"burst of {calls} (the [burst] script must fire them at once)"
                )
            app.wait_for_login_view(SETTLE_MS)
            app.quiet(200)
            # The session has ended: the late 401 must not start a refresh.
            ended: int | None = app.recorder.mark()
            late.release()
        else:
            ended = None
        _expect_session_ended(app, app.await_burst(app.page, within_ms=SETTLE_MS), ended)

    return check


for _row in REFRESH_FAULTS:
    client_case(
        _row.case_id,
        _row.kind.title.format(how=_row.how),
        family=FAILURE,
        sends=_row.kind.sends.format(how=_row.how),
        requirement=_row.kind.requirement,
        spec=_row.kind.spec,
        quote=_row.kind.quote,
    )(_refresh_fault_check(_row))


@client_case(
    "CLIENT-REFRESH-SLOW-01",
    "a refresh that takes 5 s does not let later calls fire a second refresh",
    family=CONCURRENT,
    sends="log in, expire, hold /refresh for 5 s, fire 5 calls, then 5 more after 1 s",
    requirement="calls that meet the expiry while a refresh is on the wire wait for it",
    spec=f"{SEED} 前端实现思路 3",
    quote="当在刷新时，新的请求会被加入到队列中，等待刷新完成后再执行",
)
def slow_refresh(app: AppDriver) -> None:
    app.log_in()
    app.refresh_fault.hold()
    app.api.expire_access_tokens()
    mark = app.recorder.mark()
    started = time.monotonic()
    app.start_burst(5, app.page, slot="first", limit_ms=SLOW_REFRESH_MS + 5_000)
    _premise(_wait_for_a_refresh(app, mark, slot="first"), ASKS_FOR_A_REFRESH, NEVER_REFRESHES)
    app.quiet(max(0.0, 1_000 - (time.monotonic() - started) * 1000))
    app.start_burst(5, app.page, slot="late", limit_ms=SLOW_REFRESH_MS + 5_000)
    app.quiet(SLOW_REFRESH_MS - 1_000)
    app.refresh_fault.release()
    first = app.await_burst(app.page, "first")
    second = app.await_burst(app.page, "late")
    app.quiet(QUIET_MS)
    refreshes = _refreshes(app, mark)
    if refreshes != 1:
        raise CaseFailure(
            "exactly 1 /refresh while the slow one was on the wire",
            f"{refreshes} /refresh calls",
            cause="no single-flight refresh: every expired call refreshes",
        )
    # Both bursts run in one page at once: an app that counts per page may report the other's
    # calls too, so each must have settled with nothing failed and at least its own calls ok.
    for burst, what in ((first, "first burst"), (second, "burst fired during the slow refresh")):
        if not burst.settled or burst.failed or (burst.ok or 0) < 5:
            raise CaseFailure(f"all 5 calls answered ({what})", burst.describe())


#: A refresh that never answers: the seed gives every request 10 s (`timeout: 10000`); the
#: waiting calls get that plus the settle bound.
HANG_BOUND_MS = 10_000 + SETTLE_MS


@client_case(
    "CLIENT-REFRESH-HANG-01",
    "a refresh that never answers does not hold the waiting calls forever",
    family=FAILURE,
    sends="log in, expire, fire 3 calls; /refresh is never answered",
    requirement="the waiting calls settle within 12 s (a timeout on the refresh), and the user "
    "is not logged out by it",
    spec=f"{SEED} request.js (axios.create timeout: 10000)",
    quote="const service = axios.create({ baseURL: …, timeout: 10000 })",
    level=Level.SHOULD,
)
def refresh_never_answers(app: AppDriver) -> None:
    app.log_in()
    app.api.expire_access_tokens()
    app.refresh_fault.hold()
    mark = app.recorder.mark()
    started = time.monotonic()
    app.start_burst(3)
    # Before any judging: a client that never refreshes has no refresh to time out, and its
    # going to the login view would otherwise read as "logged out by a hung refresh".
    _premise(_wait_for_a_refresh(app, mark), ASKS_FOR_A_REFRESH, NEVER_REFRESHES)
    left_ms = HANG_BOUND_MS - (time.monotonic() - started) * 1000
    burst = app.await_burst(app.page, within_ms=max(left_ms, 0.0))
    if not burst.settled:
        raise CaseFailure(
            "the 3 calls settle within 12 s of a refresh that never answers",
            burst.describe(),
            cause="no timeout on the refresh request",
        )
    if app.shows_login_view():
        raise CaseFailure(
            "the session kept (a refresh that timed out proves nothing about it)",
            f"the app went to its login view ({app.page.url})",
            cause="any refresh error logs the user out",
        )


# --- where tokens go --------------------------------------------------------------------------

TOKENS = "client-token-handling"


def _session_with_a_refresh_and_logout(app: AppDriver) -> None:
    app.log_in()
    app.api.expire_access_tokens()
    app.fire(3)
    if app.profile.logout.declared and app.log_out_if_logged_in():
        app.wait_for_login_view(SETTLE_MS)


@client_case(
    "CLIENT-TOKEN-PLACE-01",
    "the refresh token goes only to the refresh and logout endpoints",
    family=TOKENS,
    sends="log in, expire, fire 3 calls, log out; inspect every request the browser made",
    requirement="no request other than /refresh and /logout (on the API) carries the refresh token",
    spec="RFC 6749 §10.4; RFC 9700 §4.14",
    quote="Refresh tokens MUST be kept confidential in transit and storage, and shared only "
    "among the authorization server and the client to whom the refresh tokens were issued.",
    applies=_body_refresh,
)
def refresh_token_place(app: AppDriver) -> None:
    _session_with_a_refresh_and_logout(app)
    field_name = app.api.refresh_token_field
    issued = app.issued_tokens(field_name)
    if not issued:
        raise HarnessError(f"the login answer carried no {field_name}: nothing to look for")
    allowed = {app.profile.api.refresh_path, app.profile.api.logout_path}
    for recorded in app.recorder.log:
        if recorded.origin == app.api_origin and recorded.path in allowed:
            continue
        if any(recorded.carries(token) for token in issued):
            raise CaseFailure(
                "the refresh token only in /refresh and /logout requests",
                f"{recorded.method} {recorded.url.split('?')[0]} carried it",
            )


@client_case(
    "CLIENT-TOKEN-URL-01",
    "no token in a URL",
    family=TOKENS,
    sends="log in, expire, fire 3 calls, log out; inspect every URL requested or navigated to",
    requirement="neither token appears in a request URL or the page's address",
    spec="RFC 6750 §5.3; RFC 9700 §4.3.2",
    quote="Bearer tokens SHOULD NOT be passed in page URLs (for example, as query string "
    "parameters).",
    level=Level.SHOULD,
)
def no_token_in_url(app: AppDriver) -> None:
    _session_with_a_refresh_and_logout(app)
    # The API's own field names: with others, a refresh token in a URL would go unseen.
    issued = app.issued_tokens(app.api.access_token_field)
    issued += app.issued_tokens(app.api.refresh_token_field)
    if not issued:
        raise HarnessError("the login answer carried no access_token: nothing to look for")
    for recorded in app.recorder.log:
        if any(token in recorded.url for token in issued):
            raise CaseFailure("no token in any URL", f"{recorded.method} {recorded.url[:120]}…")


@client_case(
    "CLIENT-ROTATION-01",
    "after rotation the app sends the new refresh token",
    family=TOKENS,
    sends="log in, expire, fire 1 call (refresh #1), expire again, fire 1 call (refresh #2)",
    requirement="refresh #2 carries the refresh token refresh #1 returned, and is accepted",
    spec="RFC 6749 §6; RFC 9700 §4.14.2",
    quote="The authorization server MAY issue a new refresh token, in which case the client "
    "MUST discard the old refresh token and replace it with the new refresh token.",
    applies=_rotation,
)
def uses_rotated_token(app: AppDriver) -> None:
    app.log_in()
    path = app.profile.api.refresh_path
    for _round in range(2):
        app.api.expire_access_tokens()
        app.fire(1)
        app.quiet(100)
        if _round == 0:
            _premise(_refreshes(app, 0) >= 1, ASKS_FOR_A_REFRESH, NEVER_REFRESHES)
    refreshes = app.recorder.api_calls(path, method="POST")
    _premise(
        len(refreshes) >= 2,
        f"the app refreshes again at the next expiry (saw {len(refreshes)} refresh)",
        "CLIENT-RETRY-ONCE-01",
    )
    first, second = refreshes[0], refreshes[1]
    rotated = app.recorder.body_field(first, app.api.refresh_token_field)
    if rotated is None:
        raise Skipped(
            "premise not met: refresh #1 returned a new refresh token (the API did not rotate); "
            "the server suite's rotation cases judge the API"
        )
    if not second.carries(rotated):
        spent = app.recorder.issued_tokens(app.api.refresh_token_field)
        what = "a refresh token issued before" if any(map(second.carries, spent)) else "no token"
        raise CaseFailure(
            "refresh #2 sends the refresh token refresh #1 returned",
            f"it sent {what} (the rotated one was dropped)",
            cause="keeps the old refresh token after rotation",
        )
    if second.status != 200:
        raise CaseFailure(
            "refresh #2 accepted", f"it was answered {second.status}", cause="rotation mishandled"
        )


@client_case(
    "CLIENT-LOGOUT-01",
    "logout calls the server, which then refuses the old refresh token",
    family=TOKENS,
    sends="log in, log out; then send the old refresh token to /refresh outside the browser",
    requirement="logout revokes the session on the server, not just in the browser",
    spec=f"{SEED} 安全设计要点 (黑名单机制); OWASP Session Management Cheat Sheet",
    quote="黑名单机制：支持登出时 Token 作废 (a blacklist: logout invalidates the token)",
)
def logout_calls_server(app: AppDriver) -> None:
    reason = _logout(app.profile)
    if reason:
        raise Skipped(reason)
    app.log_in()
    mark = app.recorder.mark()
    app.log_out()
    app.wait_for_login_view(SETTLE_MS)
    app.quiet(200)
    logouts = app.recorder.api_calls(app.profile.api.logout_path, since=mark)
    if not any(r.status is not None and 200 <= r.status < 300 for r in logouts):
        raise CaseFailure(
            f"a successful call to {app.profile.api.logout_path}",
            f"{len(logouts)} logout calls ({[r.status for r in logouts]})",
            cause="logout only clears the browser",
        )
    issued = app.issued_tokens(app.api.refresh_token_field)
    if issued:  # body mode: the old refresh token must be dead on the server, not just forgotten
        status = app.api.refresh_status(issued[-1])
        if 200 <= status < 300:
            raise CaseFailure(
                "the refresh token refused after logout",
                f"{app.profile.api.refresh_path} still accepts it",
                cause="logout only clears the browser",
            )
        if not 400 <= status < 500 or status in (404, 405, 415):
            # Not a refusal of the token: the request itself went wrong, so nothing is proven.
            raise HarnessError(
                f"could not tell: {app.profile.api.refresh_path} answered {status} to the old "
                "refresh token (expected a refusal, 400/401/403)"
            )


@client_case(
    "CLIENT-LOGOUT-02",
    "logout clears the stored tokens and shows the login view",
    family=TOKENS,
    sends="log in, log out; read the declared storage keys and cookies",
    requirement="no token is left in storage; the login view is shown",
    spec="OWASP HTML5 Security Cheat Sheet (Local Storage); " + SEED + " logout 函数",
    quote="logout 函数：清除本地存储的 token，跳转到登录页面",
    applies=_logout_and_storage,
)
def logout_clears_storage(app: AppDriver) -> None:
    app.log_in()
    app.log_out()
    if not app.wait_for_login_view(SETTLE_MS):
        raise CaseFailure("the login view after logout", f"still on {app.page.url}")
    storage = app.profile.storage
    for key in (storage.access_key, storage.refresh_key):
        if key and app.stored(key) is not None:
            raise CaseFailure(f"{storage.area}Storage {key!r} removed", "it is still there")
    left = [c["name"] for c in app.context.cookies() if "refresh" in c["name"].lower()]
    if left:
        raise CaseFailure("no refresh cookie after logout", f"cookies left: {left}")


@client_case(
    "CLIENT-RELOAD-01",
    "a reload keeps the session, and a refresh after it works",
    family=TOKENS,
    sends="log in, reload, expire the access token, fire 1 call",
    requirement="the session survives a reload; the reloaded app refreshes once and succeeds",
    spec=f"{SEED} 前端实现思路 1 (存储策略)",
    quote="localStorage.setItem('refresh_token', refreshToken) // 安全存储",
)
def reload_keeps_session(app: AppDriver) -> None:
    app.log_in()
    app.page.reload()
    app.quiet(300)
    if app.shows_login_view():
        raise CaseFailure("still logged in after a reload", f"login view at {app.page.url}")
    app.api.expire_access_tokens()
    mark = app.recorder.mark()
    burst = app.fire(1)
    if burst.settled and burst.ok == 1:
        return
    if _refreshes(app, mark) == 0:
        # No refresh after the reload: the reload lost the way to refresh (this case's finding),
        # unless the app never refreshes, which a session without a reload tells.
        _premise(_refreshes_in_a_new_session(app), ASKS_FOR_A_REFRESH, NEVER_REFRESHES)
    _require_all_ok(burst, 1, "after a reload and an expiry")


@client_case(
    "CLIENT-TABS-01",
    "two tabs that meet the expiry together share one refresh",
    family=CONCURRENT,
    sends="log in, open a second tab, hold /refresh, fire 5 calls in each tab, release",
    requirement="one refresh serves both tabs (with rotation, a second one spends a used token)",
    spec=f"{SEED} 注意事项 3",
    quote="多标签页同步：需要考虑多个浏览器标签的 Token 同步",
    level=Level.SHOULD,
)
def tabs_share_refresh(app: AppDriver) -> None:
    app.log_in()
    second = app.new_tab()
    app.open(app.profile.burst.page or app.profile.login.page, second)
    app.quiet(300)
    if app.shows_login_view(second):
        raise Skipped("not applicable: a second tab does not share the session (kept per tab)")
    app.refresh_fault.hold()
    app.api.expire_access_tokens()
    mark = app.recorder.mark()
    app.start_burst(5, app.page)
    app.quiet(300)
    app.start_burst(5, second)
    app.quiet(700)
    app.refresh_fault.release()
    first_result = app.await_burst(app.page)
    second_result = app.await_burst(second)
    app.quiet(QUIET_MS)
    refreshes = _refreshes(app, mark)
    if refreshes == 0:
        # Two tabs that wait on each other forever are this case's finding; an app that never
        # refreshes, even in one tab, is not.
        _premise(_refreshes_in_a_new_session(app), ASKS_FOR_A_REFRESH, NEVER_REFRESHES)
    if refreshes != 1:
        raise CaseFailure(
            "1 /refresh for both tabs",
            f"{refreshes} /refresh calls",
            cause="tabs do not coordinate their refresh",
        )
    _require_all_ok(first_result, 5, "first tab")
    _require_all_ok(second_result, 5, "second tab")


@client_case(
    "CLIENT-COOKIE-01",
    "in cookie mode no refresh token is readable by script",
    family=TOKENS,
    sends="log in with the API in cookie mode; read document.cookie and both storages",
    requirement="the refresh token lives only in the HttpOnly cookie",
    spec="OAuth 2.0 for Browser-Based Apps §6.1; " + SEED + " 注意事项 1",
    quote="存储安全：生产环境考虑加密存储或 HttpOnly Cookie",
    level=Level.SHOULD,
    applies=_cookie,
)
def cookie_not_readable(app: AppDriver) -> None:
    app.log_in()
    cookies = [c for c in app.context.cookies() if "refresh" in c["name"].lower()]
    # No cookie: the browser dropped it (e.g. a cross-origin login without credentials), so no
    # refresh can work, which the refresh cases report.
    _premise(bool(cookies), "the login sets a refresh cookie in the browser", NEVER_REFRESHES)
    visible = app.script_visible_text()
    for cookie in cookies:
        if cookie["value"] and cookie["value"] in visible:
            raise CaseFailure(
                "the refresh token out of script's reach", "script can read it (cookie or storage)"
            )
