"""ROTATION: each refresh retires the presented refresh token; replaying a retired one revokes
the whole family (RFC 9700 §4.14.2), except the immediate predecessor within a grace window."""

from __future__ import annotations

from conformance.catalogue import quotes
from conformance.catalogue.case import Family, Level
from conformance.context import CaseContext, Session
from conformance.outcomes import CaseFailure
from conformance.verify import describe

FAMILY = Family("rotation", "Rotation and reuse detection")
case = FAMILY.case


async def past_grace(ctx: CaseContext) -> None:
    """Let the grace window of the last rotation run out, if there is one."""
    grace = ctx.profile.refresh.rotation_grace
    if grace:
        await ctx.advance(grace + 1 + ctx.clock.precision)


async def rotated(ctx: CaseContext, session: Session) -> Session:
    """One rotation; a refresh that hands back no new refresh token is ROTATION-01's finding."""
    successor = await ctx.refresh(session)
    ctx.premise(
        successor.refresh != session.refresh,
        "a refresh returns a new refresh token",
        "ROTATION-01",
    )
    return successor


@case(
    "ROTATION-01",
    "Each refresh returns a new refresh token that works",
    sends="a chain of five refreshes, each with the refresh token the previous one returned",
    requirement="With rotation, every refresh issues a new refresh token.",
    spec="RFC 9700 §4.14.2; RFC 6749 §6",
    needs=("rotation",),
    quote=quotes.R9700_ROTATION,
)
async def chain(ctx: CaseContext) -> None:
    session = await ctx.login()
    seen = {session.refresh}
    refresh, access = session.refresh, session.access
    for step in range(1, 6):
        # Each refresh of the chain is what the case checks: a refusal is its verdict (FAIL),
        # not a failed setup step (ERROR).
        response = await ctx.refresh_response(refresh)
        ctx.expect_accepted(response, f"refresh {step} of 5, with the newest refresh token")
        access, new_refresh = ctx.tokens_from(response, at_login=False)
        if new_refresh is None or new_refresh in seen:
            got = "no refresh token" if new_refresh is None else "an earlier refresh token"
            raise CaseFailure("a refresh token never seen before", got)
        seen.add(new_refresh)
        refresh = new_refresh
    ctx.expect_accepted(await ctx.protected(access), "access token at the chain's end")


@case(
    "ROTATION-02",
    "A rotated-out refresh token is refused",
    sends="a refresh, (past any grace window) then the old refresh token again",
    requirement="The server invalidates the previous refresh token after issuing a new one.",
    spec="RFC 9700 §4.14.2; RFC 6749 §6",
    needs=("rotation",),
    quote=quotes.R9700_ROTATION,
)
async def old_refused(ctx: CaseContext) -> None:
    session = await ctx.login()
    await rotated(ctx, session)
    await past_grace(ctx)
    ctx.expect_refresh_rejected(
        await ctx.refresh_response(session.refresh), "retired refresh token"
    )


@case(
    "ROTATION-REUSE-01",
    "Replaying a retired refresh token revokes the family",
    sends="a refresh, the retired token replayed, then the newest refresh token",
    requirement="Reuse of an invalidated refresh token revokes the active refresh token too.",
    spec="RFC 9700 §4.14.2",
    needs=("reuse_detection",),
    quote=quotes.R9700_REUSE,
)
async def family_revoked(ctx: CaseContext) -> None:
    session = await ctx.login()
    successor = await rotated(ctx, session)
    await past_grace(ctx)
    ctx.expect_refresh_rejected(await ctx.refresh_response(session.refresh), "replayed token")
    ctx.expect_refresh_rejected(
        await ctx.refresh_response(successor.refresh), "newest refresh token after reuse"
    )


@case(
    "ROTATION-REUSE-02",
    "Reuse detection also ends the session's access tokens",
    sends="a refresh, the retired token replayed, then GET protected with the newest access token",
    requirement="After reuse is detected, the session is revoked, access tokens included.",
    spec="RFC 9700 §4.14.2",
    needs=("reuse_detection", "logout_revokes_access"),
    quote=quotes.R9700_REUSE,
)
async def access_revoked(ctx: CaseContext) -> None:
    session = await ctx.login()
    successor = await rotated(ctx, session)
    await past_grace(ctx)
    await ctx.refresh_response(session.refresh)
    response = await ctx.refresh_response(successor.refresh)
    ctx.expect_no_crash(response, "newest refresh token after reuse")
    ctx.premise(
        not response.is_success,
        "reuse of a retired refresh token revokes the family",
        "ROTATION-REUSE-01",
    )
    ctx.expect_rejected(await ctx.protected(successor.access), "access token after reuse")


@case(
    "ROTATION-REUSE-03",
    "Reuse detection leaves other sessions alone",
    sends="two logins; reuse in the first; then a refresh in the second",
    requirement="Revoking a stolen family does not log the user out everywhere.",
    spec="RFC 9700 §4.14.2",
    needs=("reuse_detection",),
    quote=quotes.R9700_REUSE,
)
async def other_sessions(ctx: CaseContext) -> None:
    first, second = await ctx.login(), await ctx.login()
    ctx.premise(first.refresh != second.refresh, "two logins get different tokens", "LOGIN-OK-03")
    await rotated(ctx, first)
    await past_grace(ctx)
    await ctx.refresh_response(first.refresh)
    ctx.expect_accepted(await ctx.refresh_response(second.refresh), "other session's refresh")


@case(
    "ROTATION-REUSE-04",
    "After reuse detection the user can log in again",
    sends="reuse in one session, then a new login and a refresh",
    requirement="Reuse detection revokes a family, it does not lock the account.",
    spec="RFC 9700 §4.14.2",
    level=Level.MUST,
    needs=("reuse_detection",),
    quote=quotes.R9700_FRESH,
)
async def login_again(ctx: CaseContext) -> None:
    session = await ctx.login()
    await rotated(ctx, session)
    await past_grace(ctx)
    await ctx.refresh_response(session.refresh)
    # The login is what this case checks, so a refusal is its verdict, not a setup failure.
    response = await ctx.login_response()
    ctx.expect_accepted(response, "login after reuse detection")
    _, refresh = ctx.tokens_from(response, at_login=True)
    ctx.expect_accepted(await ctx.refresh_response(refresh), "refresh in a new session")


@case(
    "ROTATION-GRACE-01",
    "Within the grace window the predecessor gets the same successor",
    sends="a refresh, then the previous refresh token again within the grace window",
    requirement="A grace replay of the immediate predecessor answers with the current refresh "
    "token, so a session never has two live successors.",
    spec="RFC 9700 §4.14.2 (rotation); docs/reference-api.md (grace window)",
    needs=("rotation", "grace"),
    quote=quotes.R9700_RELATION,
)
async def grace_same(ctx: CaseContext) -> None:
    session = await ctx.login()
    successor = await rotated(ctx, session)
    replay = await ctx.refresh_response(session.refresh)
    ctx.expect_accepted(replay, "predecessor replayed within the grace window")
    _, refresh = ctx.tokens_from(replay, at_login=False)
    if refresh != successor.refresh:
        raise CaseFailure(
            "the current refresh token again", f"a different refresh token: {describe(replay)}"
        )


@case(
    "ROTATION-GRACE-02",
    "The grace window never covers older ancestors",
    sends="two refreshes, then the first refresh token (the grandparent) within the grace window",
    requirement="Only the immediate predecessor is forgiven; older tokens are reuse, and the "
    "family is revoked.",
    spec="RFC 9700 §4.14.2",
    needs=("reuse_detection", "grace"),
    quote=quotes.R9700_REUSE,
)
async def grandparent(ctx: CaseContext) -> None:
    session = await ctx.login()
    child = await rotated(ctx, session)
    grandchild = await rotated(ctx, child)
    ctx.expect_refresh_rejected(await ctx.refresh_response(session.refresh), "grandparent replay")
    ctx.expect_refresh_rejected(
        await ctx.refresh_response(grandchild.refresh), "newest refresh token after reuse"
    )


@case(
    "ROTATION-GRACE-03",
    "After the grace window the predecessor is reuse",
    sends="a refresh, time moved past the grace window, then the previous refresh token",
    requirement="The grace window is short and then ends.",
    spec="RFC 9700 §4.14.2",
    needs=("rotation", "grace", "advance"),
    quote=quotes.R9700_ROTATION,
)
async def grace_ends(ctx: CaseContext) -> None:
    session = await ctx.login()
    await rotated(ctx, session)
    await past_grace(ctx)
    ctx.expect_refresh_rejected(await ctx.refresh_response(session.refresh), "late replay")
