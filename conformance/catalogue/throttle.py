"""THROTTLE: repeated wrong passwords for one account are slowed or refused (OWASP ASVS 2.2.1).

Runs last: it may leave the profile's account throttled, so afterwards it moves time past the
throttle when it can, and nothing after it needs to log in.
"""

from __future__ import annotations

import asyncio

from conformance.catalogue import quotes
from conformance.catalogue.case import Family
from conformance.context import LOGIN_CONCURRENCY, CaseContext
from conformance.outcomes import CaseFailure, Skipped
from conformance.verify import describe

FAMILY = Family("login-throttle", "Login throttling")
case = FAMILY.case

# ASVS 2.2.1 allows at most 100 failed attempts per hour on one account: the 101st wrong
# password must meet a throttle, so that is the budget; no more is ever sent.
ATTEMPTS = 101
# A probe that cannot finish in this long is not run: a login that slow (a costly password
# hash) bounds guessing by itself, and the suite must stay quick.
TIME_BUDGET = 20.0
# Statuses that say "not now": Too Many Requests, Locked, Service Unavailable.
THROTTLED = (429, 423, 503)
# A first wrong login at least this slow (real time) is a slow password hash: the rest of the
# probe then goes in batches (see _probe).
SLOW_LOGIN_S = 0.2
# The most wrong logins in one batch: twice a case's usual concurrency. A target whose throttle
# counts a failure once its check is done lets a whole batch through; bigger rounds would
# overshoot its limit further and load a hashing server harder, for less than a login's time.
MAX_BATCH = 2 * LOGIN_CONCURRENCY


@case(
    "THROTTLE-LOGIN-01",
    "Repeated wrong passwords for one account are throttled",
    sends=f"up to {ATTEMPTS} logins with wrong passwords for the profile's user, back to back "
    "(one past the limit when [login_throttle] declares one), stopping at the first 429/423/503 "
    "or a login slowed to over a second; then, where time can be moved, time moved past it",
    requirement="Guessing one account's password is bounded: no more than 100 failed attempts "
    "per hour are possible.",
    spec="OWASP ASVS v4.0.3 2.2.1; RFC 6749 §10.10; NIST SP 800-63B §5.2.2",
    quote=quotes.ASVS_2_2_1,
)
async def throttled(ctx: CaseContext) -> None:
    ctx.unless_declared_absent("login_throttle")
    # A declared throttle ([login_throttle] limit) must bite at its limit: the suite otherwise
    # paces its logins under it, so this probe alone goes unpaced and stops one past it.
    declared = ctx.profile.login_throttle.limit
    attempts = min(ATTEMPTS, declared + 1) if declared else ATTEMPTS
    await ctx.settle_logins_ahead()
    with ctx.unpaced():
        await _probe(ctx, attempts)


async def _probe(ctx: CaseContext, attempts: int) -> None:
    wrong = ctx.profile.credentials.password + "-wrong-{}"
    # The loop's clock: it stays real where freezegun freezes time.monotonic (a frozen clock
    # in-process), which would make every login look instant.
    loop = asyncio.get_running_loop()
    started = loop.time()
    # A login's time decides how the probe goes (see _batch_for). The logins made ahead have
    # measured it when they show it slow: the probe starts in batches. Otherwise the first
    # wrong login goes alone and its time decides.
    first_took = ctx.login_seconds_ahead if ctx.login_seconds_ahead >= SLOW_LOGIN_S else 0.0
    batch = _batch_for(first_took) if first_took else 1
    if first_took:
        _within_budget(first_took, attempts, batch, waves=-(-attempts // batch))
    sent = 0
    while sent < attempts:
        # A batch always leaves one attempt of the budget after it: a throttle that counts a
        # failure only once its (slow) check is done may let a whole batch through past its
        # limit, and the attempt after the batch is then the one that meets it.
        size = max(1, min(batch, attempts - sent - 1))
        numbers = range(sent + 1, sent + size + 1)
        sent_at = loop.time()
        answers = ctx.login_responses(
            [(None, wrong.format(number)) for number in numbers], at_once=size
        )
        for attempt in numbers:
            response = await anext(answers)
            took = loop.time() - sent_at
            ctx.expect_no_crash(response, f"wrong password #{attempt}")
            ctx.premise(
                not response.is_success,
                f"a wrong password is refused (#{attempt} got {describe(response)[:60]})",
                "LOGIN-REJECT-01",
            )
            # A slower answer means a throttle only for a login sent alone: in a batch, the
            # target may just be busy with the others.
            slowed = size == 1 and attempt > 1 and took > max(1.0, 5 * first_took)
            if response.status_code in THROTTLED or slowed:
                await _lift(ctx, response.headers.get("retry-after", ""))
                return
            if not first_took:
                first_took = took
                batch = _batch_for(took)
                # The rest go `batch` at a time: judging the probe's length as if they went one
                # by one turned a slow (or merely busy) target's finding into a SKIP.
                _within_budget(took, attempts, batch, waves=1 + -(-(attempts - 1) // batch))
        if size > 1:
            if loop.time() - sent_at > max(1.0, 5 * first_took):
                # The batch was slow: judge the rest one by one, where slowing means a throttle.
                batch = 1
            else:
                batch = min(2 * batch, MAX_BATCH)
        sent += size
        if loop.time() - started > TIME_BUDGET:
            raise Skipped(f"{sent} wrong logins took over {TIME_BUDGET:g} s; probe stopped")
    raise CaseFailure(
        f"a throttle (429, 423 or a growing delay) within {attempts} wrong passwords for one "
        "account",
        f"all {attempts} were refused at once, without a throttle: the account's password can "
        "be guessed without bound",
        cause="no login throttling",
    )


def _within_budget(login_s: float, attempts: int, batch: int, *, waves: int) -> None:
    """Skip a probe whose rounds (at most `batch` logins each; fewer rounds as batches grow)
    would not fit in the time budget at `login_s` a round."""
    if login_s * waves > TIME_BUDGET:
        raise Skipped(
            f"a wrong login takes {login_s:.2f} s, so {attempts} attempts ({waves} rounds of "
            f"at most {batch}) would take {login_s * waves:.0f} s, over the suite's "
            f"{TIME_BUDGET:g} s for this probe"
        )


def _batch_for(first_login_s: float) -> int:
    """How many wrong logins to send at once after the first: one by one, as a person would,
    unless a login is slow (a password KDF), where a full probe one by one would take
    most of a run; then LOGIN_CONCURRENCY at a time, doubling after each round answered in
    about a login's time, up to MAX_BATCH."""
    return LOGIN_CONCURRENCY if first_login_s >= SLOW_LOGIN_S else 1


async def _lift(ctx: CaseContext, retry_after: str) -> None:
    """Let the throttle pass where time can be moved, so the account works again."""
    if not ctx.clock.can_advance or ctx.clock.mode == "wait":
        return
    wait = int(retry_after) if retry_after.strip().isdigit() else 3600
    await ctx.advance(wait + 1)
