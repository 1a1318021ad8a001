"""RATE: the refresh endpoint is rate limited (the seed's note 2), politely and temporarily.

These cases run last and spend the whole budget on purpose (unpaced). They need a window they
can get past: the target's clock moved (freeze, clock), or, in forge and wait modes, the declared
window waited out in real time; the runner's pacing keeps every other case under the limit.
"""

from __future__ import annotations

import httpx

from conformance.catalogue import quotes
from conformance.catalogue.case import Family, Level
from conformance.context import CaseContext, Session
from conformance.outcomes import CaseFailure
from conformance.verify import describe

FAMILY = Family("rate-limit", "Rate limit")
case = FAMILY.case

# Never send more than this many refreshes looking for the limit, whatever the profile says.
MAX_PROBES = 500


async def exhaust(ctx: CaseContext, *, premise: bool = True) -> tuple[Session, httpx.Response]:
    """Start from a fresh window, then refresh until the first 429 (or give up). No 429 at all
    is RATE-LIMIT-01's finding; for the cases about what a 429 looks like it is a premise."""
    window = ctx.profile.rate_limit.window
    session = await ctx.login()
    await ctx.fresh_rate_window()
    limit = ctx.profile.rate_limit.limit
    budget = min(limit * 2 + 5, MAX_PROBES)
    for sent in range(1, budget + 1):
        with ctx.unpaced():
            response = await ctx.refresh_response(session.refresh)
        ctx.expect_no_crash(response, f"refresh #{sent}")
        if response.status_code == 429:
            return session, response
        if not response.is_success:
            raise CaseFailure(f"refresh #{sent}: 2xx or 429", describe(response))
        session = Session(
            access=session.access,
            refresh=ctx.tokens_from(response, at_login=False)[1] or session.refresh,
            response=session.response,
        )
    ctx.premise(not premise, f"a 429 within {budget} refreshes", "RATE-LIMIT-01")
    raise CaseFailure(
        f"a 429 after about {limit} refreshes within {window:g} s",
        f"{budget} refreshes, none limited",
    )


@case(
    "RATE-LIMIT-01",
    "Too many refreshes are answered 429",
    sends="refreshes in a burst until the declared limit is passed",
    requirement="The refresh endpoint limits how often one client may call it.",
    spec="seed design (note 2: rate-limit the refresh endpoint); RFC 6585 §4",
    needs=("rate_limit", "rate_window"),
    level=Level.SHOULD,
    quote=quotes.S_RATE,
)
async def limited(ctx: CaseContext) -> None:
    await exhaust(ctx, premise=False)


@case(
    "RATE-LIMIT-02",
    "A 429 says why, or when to retry",
    sends="refreshes until the first 429",
    requirement="A 429 explains the limit: Retry-After with a number of seconds, or a body.",
    spec="RFC 6585 §4; RFC 9110 §10.2.3",
    level=Level.SHOULD,
    needs=("rate_limit", "rate_window"),
    quote=quotes.RATE_LIMIT_02,
)
async def retry_after(ctx: CaseContext) -> None:
    _, response = await exhaust(ctx)
    value = response.headers.get("retry-after", "")
    # RFC 6585 §4 asks (SHOULD) for details explaining the condition, and only allows (MAY) a
    # Retry-After: either one explains; a bare status does not.
    if value.strip().isdigit() and int(value) >= 1:
        return
    if response.content.strip():
        return
    raise CaseFailure(
        "a 429 that explains itself: Retry-After: <seconds> or a body",
        f"Retry-After: {value or '(absent)'}, and an empty body",
    )


@case(
    "RATE-LIMIT-03",
    "The limit lifts and the session survives it",
    sends="refreshes until the first 429, time moved by Retry-After (or the window), then a "
    "refresh with the same session",
    requirement="Rate limiting is temporary and does not revoke the session.",
    spec="RFC 6585 §4",
    needs=("rate_limit", "rate_window"),
    quote=quotes.RATE_LIMIT_03,
)
async def lifts(ctx: CaseContext) -> None:
    session, response = await exhaust(ctx)
    value = response.headers.get("retry-after", "")
    wait = int(value) if value.strip().isdigit() else ctx.profile.rate_limit.window
    await ctx.pass_rate_time(wait + 1)
    ctx.expect_accepted(await ctx.refresh_response(session.refresh), "refresh after the wait")


@case(
    "RATE-LIMIT-04",
    "A rate-limited client can still use its access token",
    sends="refreshes until the first 429, then GET protected with the access token",
    requirement="The refresh limit does not block ordinary API calls.",
    spec="seed design (the limit is on the refresh endpoint)",
    level=Level.SHOULD,
    needs=("rate_limit", "rate_window"),
    quote=quotes.S_RATE,
)
async def protected_still_open(ctx: CaseContext) -> None:
    session, _ = await exhaust(ctx)
    ctx.expect_accepted(await ctx.protected(session.access), "GET protected while limited")


# A bound on the probe for an undeclared limit: enough for any limit meant for refreshes (a
# client refreshes once per access lifetime), few enough to stay polite and quick.
PROBE_BUDGET = 100


@case(
    "RATE-PROBE-01",
    "The refresh endpoint is rate limited (probed when not declared)",
    sends=f"when the profile declares no rate limit: up to {PROBE_BUDGET} refreshes of one "
    "session back to back, stopping at the first 429",
    requirement="The seed design asks the backend to limit how often /refresh is called; a "
    "target that answers every refresh of a burst has no such limit.",
    spec="seed design (note 2: rate-limit the refresh endpoint); RFC 6585 §4",
    level=Level.SHOULD,
    quote=quotes.S_RATE,
)
async def probed(ctx: CaseContext) -> None:
    ctx.require(
        not ctx.profile.capabilities.rate_limit,
        "not applicable: the profile declares a rate limit (RATE-LIMIT-01 checks it)",
    )
    ctx.unless_declared_absent("rate_limit")
    session = await ctx.login()
    refresh = session.refresh
    for sent in range(1, PROBE_BUDGET + 1):
        response = await ctx.refresh_response(refresh)
        ctx.expect_no_crash(response, f"refresh #{sent}")
        if response.status_code == 429:
            return
        ctx.premise(
            response.is_success,
            f"refreshes of a fresh session work (refresh #{sent}: {describe(response)[:60]})",
            "REFRESH-OK-01",
        )
        refresh = ctx.tokens_from(response, at_login=False)[1] or refresh
    raise CaseFailure(
        f"a 429 within {PROBE_BUDGET} back-to-back refreshes of one session",
        f"all {PROBE_BUDGET} answered 2xx: /refresh has no rate limit (the profile declares "
        "none; if it has one, declare [capabilities] rate_limit and [rate_limit])",
        cause="no rate limit on /refresh",
    )
