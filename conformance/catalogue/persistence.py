"""PERSIST: sessions and revocations survive a restart of the target."""

from __future__ import annotations

from conformance.catalogue import quotes
from conformance.catalogue.case import Family
from conformance.context import CaseContext

FAMILY = Family("persistence", "Persistence across restart")
case = FAMILY.case


@case(
    "PERSIST-01",
    "A session survives a restart",
    sends="a login, a restart of the target, then GET protected and a refresh",
    requirement="Tokens issued before a restart keep working after it.",
    spec="seed design (refresh token: long-lived, 7-30 days)",
    needs=("persistence",),
    quote=quotes.S_REFRESH_LONG,
)
async def session_survives(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.restart()
    ctx.expect_accepted(await ctx.protected(session.access), "access token after restart")
    ctx.expect_accepted(await ctx.refresh_response(session.refresh), "refresh after restart")


@case(
    "PERSIST-02",
    "A logout survives a restart",
    sends="a login, logout, a restart, then the revoked tokens",
    requirement="Revocations are stored durably; a restart does not un-revoke tokens.",
    spec="RFC 7009 §2.1; seed design (blacklist)",
    needs=("persistence", "logout"),
    quote=quotes.R7009_GONE,
)
async def logout_survives(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.logged_out(session)
    await ctx.revoked_premise(session)
    await ctx.restart()
    ctx.expect_refresh_rejected(await ctx.refresh_response(session.refresh), "revoked refresh")
    if ctx.profile.capabilities.logout_revokes_access:
        ctx.expect_rejected(await ctx.protected(session.access), "revoked access token")


@case(
    "PERSIST-03",
    "Reuse detection survives a restart",
    sends="a rotation, a restart, the retired refresh token replayed, then the newest one",
    requirement="Retired refresh tokens are remembered across restarts, so reuse is still caught.",
    spec="RFC 9700 §4.14.2",
    needs=("persistence", "reuse_detection"),
    quote=quotes.R9700_RELATION,
)
async def rotation_survives(ctx: CaseContext) -> None:
    session = await ctx.login()
    successor = await ctx.refresh(session)
    grace = ctx.profile.refresh.rotation_grace
    if grace:
        await ctx.advance(grace + 1 + ctx.clock.precision)
    await ctx.restart()
    ctx.expect_refresh_rejected(await ctx.refresh_response(session.refresh), "retired token")
    ctx.expect_refresh_rejected(await ctx.refresh_response(successor.refresh), "newest token")
