"""CONCURRENCY: simultaneous requests with one token behave as if they came one at a time."""

from __future__ import annotations

from conformance.catalogue import quotes
from conformance.catalogue.case import Family
from conformance.catalogue.login import SAME_TOKENS
from conformance.context import CaseContext
from conformance.outcomes import CaseFailure

FAMILY = Family("concurrency", "Concurrency")
case = FAMILY.case
# Races of CONC-LOGOUT-01 until the refresh gets through first (each costs a login).
RACE_ROUNDS = 8

PARALLEL = 8


@case(
    "CONC-REFRESH-01",
    "Simultaneous refreshes of one token all succeed (no rotation)",
    sends=f"{PARALLEL} refreshes of one refresh token at the same time",
    requirement="Without rotation, concurrent refreshes are independent and each succeeds.",
    spec="seed design (concurrent requests each trigger a refresh)",
    needs=("no_rotation",),
    quote=quotes.S_CONC,
)
async def parallel_refresh(ctx: CaseContext) -> None:
    session = await ctx.login()
    responses = await ctx.gather(*(ctx.refresh_response(session.refresh) for _ in range(PARALLEL)))
    for index, response in enumerate(responses):
        ctx.expect_accepted(response, f"concurrent refresh #{index + 1}")


@case(
    "CONC-REFRESH-02",
    "Simultaneous refreshes of one token mint at most one successor",
    sends=f"{PARALLEL} refreshes of one refresh token at the same time",
    requirement="Rotation stays a chain under concurrency: one refresh token has at most one "
    "successor (the others are refused, or within a grace window get that same successor).",
    spec="RFC 9700 §4.14.2",
    needs=("rotation",),
    quote=quotes.R9700_ROTATION,
)
async def parallel_rotation(ctx: CaseContext) -> None:
    session = await ctx.login()
    responses = await ctx.gather(*(ctx.refresh_response(session.refresh) for _ in range(PARALLEL)))
    successors: set[str] = set()
    for index, response in enumerate(responses):
        ctx.expect_no_crash(response, f"concurrent refresh #{index + 1}")
        if response.is_success:
            successors.add(ctx.tokens_from(response, at_login=False)[1])
    if len(successors) > 1:
        raise CaseFailure(
            "at most one successor refresh token",
            f"{len(successors)} distinct successors from {PARALLEL} concurrent refreshes",
        )


@case(
    "CONC-PROTECTED-01",
    "Simultaneous requests with one access token all succeed",
    sends=f"{PARALLEL} GETs on the protected path with one access token at the same time",
    requirement="Concurrent use of a valid access token is fine.",
    spec="RFC 6750 §2.1",
    quote=quotes.R6750_SUPPORT,
)
async def parallel_protected(ctx: CaseContext) -> None:
    session = await ctx.login()
    responses = await ctx.gather(*(ctx.protected(session.access) for _ in range(PARALLEL)))
    for index, response in enumerate(responses):
        ctx.expect_accepted(response, f"concurrent GET #{index + 1}")


@case(
    "CONC-LOGIN-01",
    "Simultaneous logins each get their own tokens",
    sends=f"{PARALLEL} logins at the same time",
    requirement="Concurrent logins all succeed with distinct tokens.",
    spec="RFC 7519 §4.1.7; seed design",
    quote=quotes.R7519_JTI,
    overlaps=True,
)
async def parallel_login(ctx: CaseContext) -> None:
    responses = await ctx.gather(*(ctx.login_response() for _ in range(PARALLEL)))
    tokens: set[str] = set()
    for index, response in enumerate(responses):
        ctx.expect_accepted(response, f"concurrent login #{index + 1}")
        tokens.update(ctx.tokens_from(response, at_login=True))
    if len(tokens) < 2 * PARALLEL:
        raise CaseFailure(
            f"{2 * PARALLEL} distinct tokens", f"{len(tokens)} distinct tokens", cause=SAME_TOKENS
        )


@case(
    "CONC-LOGOUT-01",
    "Logout racing a refresh still revokes the refresh token",
    sends="a refresh and the logout of the same session at the same time, then the refresh token",
    requirement="A refresh in flight cannot resurrect a session being logged out.",
    spec="RFC 7009 §2.1",
    needs=("logout",),
    quote=quotes.R7009_GONE,
)
async def logout_race(ctx: CaseContext) -> None:
    # Which request the target handles first is up to it. Only when the refresh gets through
    # is there a successor that could outlive the logout; when the logout lands first, that
    # round proved nothing, so another session races (a target that revokes by token, not by
    # session, lost this race in about half the rounds: one round was a coin toss).
    for _ in range(RACE_ROUNDS):
        session = await ctx.login()
        refresh, logouts = await ctx.gather(
            ctx.refresh_response(session.refresh), ctx.logout(session)
        )
        ctx.expect_no_crash(refresh, "refresh racing logout")
        for response in logouts:
            ctx.expect_no_crash(response, "logout racing refresh")
        if refresh.is_success:
            # The successor first: presenting the rotated-out token would trigger reuse
            # detection, which revokes the successor whatever the logout did.
            new_refresh = ctx.tokens_from(refresh, at_login=False)[1]
            if new_refresh and new_refresh != session.refresh:
                ctx.expect_refresh_rejected(
                    await ctx.refresh_response(new_refresh), "successor minted during logout"
                )
        ctx.expect_refresh_rejected(
            await ctx.refresh_response(session.refresh), "refresh after logout"
        )
        if refresh.is_success or not ctx.profile.refresh.returns_new_refresh:
            return


@case(
    "CONC-WORKERS-01",
    "A revocation is seen by every worker",
    sends="logout, then many requests with the revoked tokens at once (spread over workers)",
    requirement="All workers share revocations; no worker still accepts a revoked token.",
    spec="RFC 7009 §2.1",
    needs=("workers", "logout"),
    quote=quotes.R7009_GONE,
)
async def workers(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.logged_out(session)
    count = 4 * ctx.profile.capabilities.workers
    refreshes = await ctx.gather(*(ctx.refresh_response(session.refresh) for _ in range(count)))
    for index, response in enumerate(refreshes):
        ctx.expect_refresh_rejected(response, f"revoked refresh token, request #{index + 1}")
    if ctx.profile.capabilities.logout_revokes_access:
        gets = await ctx.gather(*(ctx.protected(session.access) for _ in range(count)))
        for index, response in enumerate(gets):
            ctx.expect_rejected(response, f"revoked access token, request #{index + 1}")
