"""USER: a disabled user is refused everywhere at once, not only at the next login."""

from __future__ import annotations

from conformance.catalogue import quotes
from conformance.catalogue.case import Family, Level
from conformance.context import CaseContext

FAMILY = Family("user", "Disabled users")
case = FAMILY.case


@case(
    "USER-DISABLED-01",
    "A disabled user cannot log in",
    sends="the disable_user hook, then a login with the right credentials",
    requirement="Login refuses a disabled user.",
    spec="seed design (user 'disabled' flag)",
    needs=("user_hooks",),
    quote=quotes.S_DISABLED,
)
async def no_login(ctx: CaseContext) -> None:
    await ctx.login_control()
    await ctx.disable_user()
    try:
        ctx.expect_login_rejected(await ctx.login_response(), "login of a disabled user")
    finally:
        await ctx.enable_user()


@case(
    "USER-DISABLED-02",
    "A disabled user's access token stops working",
    sends="a login, the disable_user hook, then GET protected with the access token",
    requirement="Protected resources check the user behind the token on every request.",
    spec="seed design (verify the token's data, e.g. the user)",
    needs=("user_hooks",),
    quote=quotes.S_DISABLED,
    # Its session opens the protected path before the disable (a control).
    checks_sessions=True,
)
async def no_access(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.access_control(session)
    await ctx.disable_user()
    try:
        ctx.expect_rejected(await ctx.protected(session.access), "disabled user's access token")
    finally:
        await ctx.enable_user()


@case(
    "USER-DISABLED-03",
    "A disabled user cannot refresh",
    sends="a login, the disable_user hook, then a refresh",
    requirement="The refresh endpoint checks the user is still active before minting tokens.",
    spec="seed design (verify the token's data); RFC 6749 §6",
    needs=("user_hooks",),
    quote=quotes.S_DISABLED,
    # The refresh control runs on a session logged in with the one the case refuses, and a
    # server that revoked that one when the user was disabled before refuses disabled users'
    # refreshes anyway: the requirement holds either way.
    checks_sessions=True,
)
async def no_refresh(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    session = await ctx.login()
    await ctx.disable_user()
    try:
        ctx.expect_refresh_rejected(
            await ctx.refresh_response(session.refresh), "disabled user's refresh"
        )
    finally:
        await ctx.enable_user()


@case(
    "USER-DISABLED-04",
    "A re-enabled user is back in",
    sends="a login, disable_user, enable_user, then GET protected, a refresh and a login",
    requirement="Disabling is a state, not a revocation: enabling restores access.",
    spec="seed design (user 'disabled' flag)",
    level=Level.SHOULD,
    needs=("user_hooks",),
    quote=quotes.S_DISABLED,
    # Expects its session to work after the re-enable.
    checks_sessions=True,
)
async def re_enabled(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.disable_user()
    await ctx.enable_user()
    ctx.expect_accepted(await ctx.protected(session.access), "access token after re-enabling")
    ctx.expect_accepted(await ctx.refresh_response(session.refresh), "refresh after re-enabling")
    ctx.expect_accepted(await ctx.login_response(), "login after re-enabling")
