"""LOGOUT: logging out revokes the session's tokens, only those, and never crashes."""

from __future__ import annotations

from conformance.catalogue import quotes
from conformance.catalogue.case import Family, Level
from conformance.context import CaseContext
from conformance.outcomes import CaseFailure, Skipped
from conformance.verify import describe

FAMILY = Family("logout", "Logout and revocation")
case = FAMILY.case


@case(
    "LOGOUT-OK-01",
    "Logout succeeds",
    sends="the profile's logout request(s) for a fresh session",
    requirement="Logging out a valid session answers 2xx.",
    spec="RFC 7009 §2.2; seed design (blacklist on logout)",
    needs=("logout",),
    quote=quotes.R7009_200,
)
async def logout_ok(ctx: CaseContext) -> None:
    # Not ctx.logged_out: a refused logout is this case's own finding, not a premise.
    responses = await ctx.logout(await ctx.login())
    for step, response in zip(ctx.profile.logout, responses, strict=True):
        ctx.expect_accepted(response, f"logout {step.method} {step.path}")


@case(
    "LOGOUT-REVOKE-01",
    "After logout the refresh token is refused",
    sends="logout, then a refresh with the session's refresh token",
    requirement="Logout revokes the refresh token.",
    spec="RFC 7009 §2.1; seed design (blacklist); RFC 7009 §2",
    needs=("logout",),
    quote=quotes.R7009_REFRESH,
)
async def refresh_revoked(ctx: CaseContext) -> None:
    await ctx.refresh_control()
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
    quote=quotes.S_BLACKLIST,
)
async def access_revoked(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.access_control(session)
    await ctx.logged_out(session)
    ctx.expect_rejected(await ctx.protected(session.access), "access token after logout")


@case(
    "LOGOUT-REVOKE-03",
    "Logout revokes access tokens minted by earlier refreshes",
    sends="a refresh, then logout with the first tokens, then GET protected with the refreshed one",
    requirement="Logout revokes the whole session, not just the token presented.",
    spec="RFC 7009 §2.1; RFC 9700 §4.14.2",
    needs=("logout", "logout_revokes_access"),
    level=Level.SHOULD,
    quote=quotes.R7009_OTHERS,
)
async def refreshed_revoked(ctx: CaseContext) -> None:
    session = await ctx.login()
    refreshed = await ctx.refresh(session)
    # The same bytes again would only re-check the token logout was given (LOGOUT-REVOKE-02).
    ctx.premise(
        refreshed.access != session.access,
        "a refresh mints a different access token",
        "REFRESH-OK-03",
    )
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
    quote=quotes.R7009_GONE,
)
async def revoked_identity(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.logged_out(session)
    await ctx.revoked_premise(session)
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
    quote=quotes.R7009_GONE,
)
async def revocation_lasts(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    session = await ctx.login()
    await ctx.logged_out(session)
    await ctx.revoked_premise(session)
    await ctx.advance(ctx.profile.lifetimes.access + 10)
    ctx.expect_refresh_rejected(await ctx.refresh_response(session.refresh), "refresh, later")


@case(
    "LOGOUT-SCOPE-01",
    "Logout leaves the user's other sessions alone",
    sends="two logins, logout of the first, then both tokens of the second",
    requirement="Logout revokes one session, not every session of the user.",
    spec="RFC 7009 §2.1; seed design; RFC 7009 §1",
    needs=("logout",),
    quote=quotes.R7009_GRANT,
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
    spec="RFC 7009 §2.2, §2.2.1; RFC 7009 §2.1",
    needs=("logout",),
    quote=quotes.R7009_REFUSED,
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
    quote=quotes.R7009_INVALID,
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
    quote=quotes.R7009_200,
)
async def twice(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.logged_out(session)
    for response in await ctx.logout(session):
        ctx.expect_no_crash(response, "second logout")


# Where logout and revocation endpoints usually live, for a profile that declares none.
COMMON_LOGOUT_PATHS = (
    "/logout",
    "/auth/logout",
    "/api/logout",
    "/api/auth/logout",
    "/revoke",
    "/oauth/revoke",
    "/token/revoke",
)


@case(
    "LOGOUT-EXISTS-01",
    "A session can be ended: the target has a logout that voids its tokens",
    sends="when the profile declares no logout: a login, then POST with the session's tokens "
    "(Bearer access token; refresh_token and token in a JSON body) to "
    + ", ".join(COMMON_LOGOUT_PATHS)
    + ", then a refresh with the session's refresh token",
    requirement="The seed design voids tokens at logout (a blacklist); a target whose refresh "
    "token keeps working until it expires, whatever the user does, lacks that defence.",
    spec="seed design (blacklist on logout); RFC 7009 §2; OWASP ASVS v4.0.3 3.3.1",
    quote=quotes.S_BLACKLIST,
)
async def logout_exists(ctx: CaseContext) -> None:
    if ctx.profile.logout:
        raise Skipped(
            "not applicable: the profile declares a logout (LOGOUT-OK-01 and LOGOUT-REVOKE-01 "
            "check what it does)"
        )
    ctx.unless_declared_absent("logout")
    session = await ctx.login()
    answered: list[str] = []
    for path in COMMON_LOGOUT_PATHS:
        response = await ctx.request(
            "POST",
            path,
            headers={"Authorization": f"Bearer {session.access}"},
            json={"refresh_token": session.refresh, "token": session.refresh},
        )
        if response.is_success:
            answered.append(f"{path} ({response.status_code})")
    after = await ctx.refresh_response(session.refresh)
    ctx.expect_no_crash(after, "refresh after the logout attempts")
    if not after.is_success:
        # Something revoked the session: the defence is there, only the profile does not name
        # it (declaring it as [[logout]] lets the other logout cases run).
        return
    raise CaseFailure(
        "a logout that voids the session's tokens (the profile declares none; if the target "
        "has one elsewhere, declare it as [[logout]])",
        f"POST {', '.join(COMMON_LOGOUT_PATHS)} revoked nothing"
        + (f" (2xx from {', '.join(answered)})" if answered else "")
        + f": the refresh token still refreshes ({describe(after)[:60]})",
        cause="no logout: tokens cannot be revoked before they expire",
    )
