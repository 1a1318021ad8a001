"""LOGOUT: logging out revokes the session's tokens, only those, and never crashes."""

from __future__ import annotations

from conformance.catalogue.case import Family
from conformance.context import CaseContext

FAMILY = Family("logout", "Logout and revocation")
case = FAMILY.case


@case(
    "LOGOUT-OK-01",
    "Logout succeeds",
    sends="the profile's logout request(s) for a fresh session",
    requirement="Logging out a valid session answers 2xx.",
    spec="RFC 7009 §2.2; seed design (blacklist on logout)",
    needs=("logout",),
)
async def logout_ok(ctx: CaseContext) -> None:
    await ctx.logged_out(await ctx.login())


@case(
    "LOGOUT-REVOKE-01",
    "After logout the refresh token is refused",
    sends="logout, then a refresh with the session's refresh token",
    requirement="Logout revokes the refresh token.",
    spec="RFC 7009 §2.1; seed design (blacklist)",
    needs=("logout",),
)
async def refresh_revoked(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.logged_out(session)
    ctx.expect_refresh_rejected(await ctx.refresh_response(session.refresh), "refresh after logout")


@case(
    "LOGOUT-REVOKE-02",
    "After logout the access token is refused",
    sends="logout, then GET protected with the session's access token",
    requirement="A target that declares it revokes access tokens at logout does.",
    spec="RFC 7009 §2.1 (revoking a token may revoke related tokens); seed design",
    needs=("logout", "logout_revokes_access"),
)
async def access_revoked(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.logged_out(session)
    ctx.expect_rejected(await ctx.protected(session.access), "access token after logout")


@case(
    "LOGOUT-REVOKE-03",
    "Logout revokes access tokens minted by earlier refreshes",
    sends="a refresh, then logout with the first tokens, then GET protected with the refreshed one",
    requirement="Logout revokes the whole session, not just the token presented.",
    spec="RFC 7009 §2.1; RFC 9700 §4.14.2",
    needs=("logout", "logout_revokes_access"),
)
async def refreshed_revoked(ctx: CaseContext) -> None:
    session = await ctx.login()
    refreshed = await ctx.refresh(session)
    await ctx.logged_out(session)
    ctx.expect_rejected(
        await ctx.protected(refreshed.access), "refreshed access token after logout"
    )
    ctx.expect_refresh_rejected(
        await ctx.refresh_response(refreshed.refresh), "session's refresh token after logout"
    )


@case(
    "LOGOUT-REVOKE-04",
    "A re-signed copy of a revoked refresh token is refused",
    sends="logout, then the revoked refresh token re-signed with a new exp (same identity)",
    requirement="Revocation is of the token's identity (jti/session), not of its exact bytes.",
    spec="RFC 7009 §2.1; RFC 7519 §4.1.7",
    needs=("logout", "jwt_refresh", "forge_refresh"),
)
async def revoked_identity(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.logged_out(session)
    exp = ctx.refresh_claims(session).get("exp")
    token = ctx.refresh_forger.resign(
        session.refresh, changes={"exp": exp - 1} if isinstance(exp, int) else {}
    )
    ctx.expect_refresh_rejected(
        await ctx.refresh_response(token), "re-signed revoked refresh token"
    )
    await ctx.forged_refresh_control()


@case(
    "LOGOUT-REVOKE-05",
    "Revocation lasts",
    sends="logout, time moved past the access lifetime, then a refresh with the revoked token",
    requirement="A revoked refresh token stays refused for the rest of its lifetime.",
    spec="RFC 7009 §2.1",
    needs=("logout", "advance"),
)
async def revocation_lasts(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.logged_out(session)
    await ctx.advance(ctx.profile.lifetimes.access + 10)
    ctx.expect_refresh_rejected(await ctx.refresh_response(session.refresh), "refresh, later")


@case(
    "LOGOUT-SCOPE-01",
    "Logout leaves the user's other sessions alone",
    sends="two logins, logout of the first, then both tokens of the second",
    requirement="Logout revokes one session, not every session of the user.",
    spec="RFC 7009 §2.1; seed design",
    needs=("logout",),
)
async def other_session(ctx: CaseContext) -> None:
    first = await ctx.login()
    second = await ctx.second_login(first, "LOGIN-OK-03")
    await ctx.logged_out(first)
    ctx.expect_accepted(await ctx.protected(second.access), "other session's access token")
    ctx.expect_accepted(await ctx.refresh_response(second.refresh), "other session's refresh")


@case(
    "LOGOUT-SCOPE-02",
    "Logout without credentials revokes nothing and does not crash",
    sends="the logout request(s) with no token at all",
    requirement="An anonymous logout is refused or ignored; it never revokes anything.",
    spec="RFC 7009 §2.2, §2.2.1",
    needs=("logout",),
)
async def anonymous_logout(ctx: CaseContext) -> None:
    session = await ctx.login()
    for step in ctx.profile.logout:
        ctx.expect_no_crash(await ctx.request(step.method, step.path), f"{step.method} {step.path}")
    ctx.expect_accepted(
        await ctx.refresh_response(session.refresh), "refresh after anonymous logout"
    )


@case(
    "LOGOUT-SCOPE-03",
    "Logout with garbage tokens does not crash",
    sends="the logout request(s) with 'garbage' in place of both tokens",
    requirement="Invalid tokens at logout are refused or ignored, never a server error.",
    spec="RFC 7009 §2.2 (invalid tokens do not cause an error response)",
    needs=("logout",),
)
async def garbage_logout(ctx: CaseContext) -> None:
    from conformance.context import Session

    session = await ctx.login()
    fake = Session(access="garbage", refresh="garbage", response=session.response)
    for response in await ctx.logout(fake):
        ctx.expect_no_crash(response, "logout with garbage tokens")
    ctx.expect_accepted(await ctx.refresh_response(session.refresh), "refresh, real session")


@case(
    "LOGOUT-REPEAT-01",
    "Logging out twice does not crash",
    sends="the logout request(s) twice for the same session",
    requirement="Revoking an already revoked token is harmless (2xx or a refusal, no 5xx).",
    spec="RFC 7009 §2.2",
    needs=("logout",),
)
async def twice(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.logged_out(session)
    for response in await ctx.logout(session):
        ctx.expect_no_crash(response, "second logout")
