"""REFRESH: a valid refresh token buys a working access token; nothing else does."""

from __future__ import annotations

import asyncio

from conformance.catalogue import quotes
from conformance.catalogue.case import Family, Level
from conformance.catalogue.login import SAME_TOKENS
from conformance.causes import NO_NO_STORE
from conformance.context import CaseContext
from conformance.forge import reheaded, split_token, unknown_subject, unsigned
from conformance.outcomes import CaseFailure
from conformance.verify import describe

FAMILY = Family("refresh", "Refresh")
case = FAMILY.case


@case(
    "REFRESH-OK-01",
    "A valid refresh token gets a new access token",
    sends="the login's refresh token to the refresh endpoint",
    requirement="Refresh answers 2xx with a new access token.",
    spec="RFC 6749 §6; seed design (/refresh)",
    quote=quotes.S_REFRESH,
)
async def refresh_ok(ctx: CaseContext) -> None:
    session = await ctx.login()
    response = await ctx.refresh_response(session.refresh)
    ctx.expect_accepted(response, "refresh with a fresh refresh token")
    ctx.tokens_from(response, at_login=False)


@case(
    "REFRESH-OK-02",
    "The refreshed access token opens protected paths, as the same user",
    sends="a refresh, then GET protected with the new access token",
    requirement="The new access token works and belongs to the refresh token's subject.",
    spec="RFC 6749 §6; seed design",
    quote=quotes.R6749_ISSUES,
)
async def refreshed_works(ctx: CaseContext) -> None:
    session = await ctx.login()
    refreshed = await ctx.refresh(session)
    ctx.expect_accepted(await ctx.protected(refreshed.access), "GET protected, refreshed token")
    subject = ctx.claim.subject
    before, after = session.claims().get(subject), refreshed.claims().get(subject)
    if before != after:
        raise CaseFailure(f"{subject} = {before!r}", f"{subject} = {after!r}")


# Login-and-refresh pairs REFRESH-OK-03 tries for one issued within one second.
SAME_SECOND_TRIES = 5


@case(
    "REFRESH-OK-03",
    "A refresh in the same second mints a different access token",
    sends="a login and an immediate refresh, again until a pair is issued within one second "
    "(at most 5 pairs; in freeze mode the first is)",
    requirement="Each refresh mints a token of its own.",
    spec="RFC 7519 §4.1.7 (jti); RFC 6749 §6",
    level=Level.SHOULD,
    quote=quotes.R6749_ISSUES,
)
async def refreshed_differs(ctx: CaseContext) -> None:
    # On real time a login and its refresh may straddle a second, and a target without a jti
    # then mints a different token by luck (more often on a busy machine): only a pair whose
    # tokens say they were issued in one second shows what a same-second refresh does, so pairs
    # are tried until one does (tokens without `iat` cannot say: two pairs, as a fallback).
    for attempt in range(1, SAME_SECOND_TRIES + 1):
        session = await ctx.login_now()
        refreshed = await ctx.refresh(session)
        if session.access == refreshed.access:
            raise CaseFailure(
                "a new access token", "the very same access token as before", cause=SAME_TOKENS
            )
        issued = (session.claims().get("iat"), refreshed.claims().get("iat"))
        if None in issued:
            if attempt >= 2:
                return
        elif issued[0] == issued[1]:
            return


@case(
    "REFRESH-OK-04",
    "The refresh answer forbids caching",
    sends="a refresh",
    requirement="A response carrying tokens has Cache-Control: no-store.",
    spec="RFC 6749 §5.1",
    quote=quotes.R6749_CACHE,
)
async def refresh_no_store(ctx: CaseContext) -> None:
    session = await ctx.login()
    refreshed = await ctx.refresh(session)
    cache_control = refreshed.response.headers.get("cache-control", "")
    if "no-store" not in cache_control.lower():
        raise CaseFailure(
            "Cache-Control: no-store",
            f"Cache-Control: {cache_control or '(absent)'}",
            cause=NO_NO_STORE,
        )


@case(
    "REFRESH-OK-05",
    "Without rotation, a refresh token refreshes more than once",
    sends="the same refresh token to the refresh endpoint three times",
    requirement="Without rotation the refresh token stays valid until it expires.",
    spec="seed design (refresh returns no new refresh token)",
    needs=("no_rotation",),
    quote=quotes.S_REFRESH,
)
async def reusable(ctx: CaseContext) -> None:
    session = await ctx.login()
    for attempt in range(3):
        response = await ctx.refresh_response(session.refresh)
        ctx.expect_accepted(response, f"refresh #{attempt + 1} with the same token")


@case(
    "REFRESH-OK-06",
    "A returned refresh token is new and works",
    sends="a refresh, then a refresh with the refresh token it returned",
    requirement="A target that returns a refresh token returns a new, working one.",
    spec="RFC 6749 §6 (the server MAY issue a new refresh token)",
    needs=("new_refresh",),
    quote=quotes.REFRESH_OK_06,
)
async def new_refresh(ctx: CaseContext) -> None:
    session = await ctx.login()
    response = await ctx.refresh_response(session.refresh)
    ctx.expect_accepted(response, "refresh")
    _, refresh = ctx.tokens_from(response, at_login=False)
    if not refresh:
        raise CaseFailure("a new refresh token in the answer", describe(response))
    if refresh == session.refresh and ctx.clock.mode != "freeze":
        # A target without jti mints the very same bytes again within one second (LOGIN-OK-03
        # and REFRESH-OK-03 report that); only a token still handed back a second later is the
        # presented one echoed. A frozen clock mints identically forever, so no retry there.
        await asyncio.sleep(1.05)
        response = await ctx.refresh_response(session.refresh)
        ctx.expect_accepted(response, "refresh, a second later")
        _, refresh = ctx.tokens_from(response, at_login=False)
    if refresh == session.refresh:
        raise CaseFailure("a different refresh token", "the presented refresh token again")
    ctx.expect_accepted(await ctx.refresh_response(refresh), "refresh with the returned token")


@case(
    "REFRESH-OK-07",
    "Refresh works after the access token expired",
    sends="a login, time moved past the access lifetime, then a refresh and GET protected",
    requirement="The point of the refresh token: a new access token after the old one expired.",
    spec="seed design (silent refresh on 401); RFC 6749 §1.5",
    needs=("advance",),
    quote=quotes.S_SILENT,
)
async def after_expiry(ctx: CaseContext) -> None:
    session = await ctx.login()
    lifetimes = ctx.profile.lifetimes
    await ctx.advance(lifetimes.access + lifetimes.leeway + 1 + ctx.clock.precision)
    ctx.expect_rejected(await ctx.protected(session.access), "expired access token")
    # This refresh is what the case checks, so a refusal is its verdict, not a setup failure.
    response = await ctx.refresh_response(session.refresh)
    ctx.expect_accepted(response, "refresh after the access token expired")
    access, _ = ctx.tokens_from(response, at_login=False)
    ctx.expect_accepted(await ctx.protected(access), "GET protected, refreshed token")


@case(
    "REFRESH-REJECT-01",
    "A refresh without a token is refused without a crash",
    sends="a refresh request carrying no token at all",
    requirement="A missing refresh token is a client error (400 or 401), never a 5xx.",
    spec="RFC 6749 §5.2 (invalid_request)",
    quote=quotes.R6749_400,
)
async def no_token(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    ctx.expect_bad_request(await ctx.refresh_response(None), "refresh without a token")


@case(
    "REFRESH-REJECT-02",
    "A garbage refresh token is refused",
    sends="refresh tokens 'garbage', '' and 'a.b.c'",
    requirement="An invalid refresh token is refused.",
    spec="RFC 6749 §5.2 (invalid_grant); RFC 6749 §6",
    quote=quotes.R6749_VALIDATE,
)
async def garbage(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    ctx.expect_refresh_rejected(await ctx.refresh_response("garbage"), "refresh token 'garbage'")
    ctx.expect_refresh_rejected(await ctx.refresh_response("a.b.c"), "refresh token 'a.b.c'")
    ctx.expect_bad_request(await ctx.refresh_response(""), "empty refresh token")


@case(
    "REFRESH-REJECT-03",
    "A refresh token with a bad signature is refused",
    sends="the refresh token with its signature altered, and signed with another key",
    requirement="The refresh endpoint verifies the signature.",
    spec="RFC 7515 §5.2; RFC 8725 §3.3; RFC 6749 §6",
    needs=("jwt_refresh",),
    quote=quotes.R6749_VALIDATE,
)
async def bad_signature(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    session = await ctx.login()
    header, payload, signature = split_token(ctx.refresh_jwt(session))
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    for token, what in (
        (f"{header}.{payload}.{flipped}", "refresh token with an altered signature"),
        (
            ctx.refresh_forger.with_wrong_key(session.refresh),
            "refresh token signed with another key",
        ),
    ):
        ctx.expect_refresh_rejected(await ctx.refresh_response(token), what)


@case(
    "REFRESH-REJECT-04",
    "An unsigned refresh token (alg: none) is refused",
    sends="the refresh token's claims under its own header with alg none, and an empty signature",
    requirement="Unsecured JWTs are never accepted as refresh tokens.",
    spec="RFC 8725 §2.1, §3.1; RFC 7518 §3.6",
    needs=("jwt_refresh",),
    quote=quotes.R7518_NONE,
)
async def refresh_alg_none(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    session = await ctx.login()
    token = unsigned(reheaded(ctx.refresh_jwt(session), alg="none"), ctx.refresh_claims(session))
    ctx.expect_refresh_rejected(await ctx.refresh_response(token), "alg: none refresh token")


@case(
    "REFRESH-REJECT-05",
    "An expired refresh token is refused (forged)",
    sends="the refresh token re-signed with exp a day ago",
    requirement="The refresh endpoint checks exp.",
    spec="RFC 7519 §4.1.4; RFC 6749 §6",
    needs=("jwt_refresh", "forge_refresh"),
    quote=quotes.R7519_EXP,
)
async def forged_expired(ctx: CaseContext) -> None:
    session = await ctx.login()
    now = int(await ctx.now())
    token = ctx.refresh_forger.resign(session.refresh, changes={"exp": now - 86_400})
    ctx.expect_refresh_rejected(
        await ctx.refresh_response(token), "refresh token expired a day ago"
    )
    await ctx.forged_refresh_control()


@case(
    "REFRESH-REJECT-06",
    "A refresh token past its lifetime is refused",
    sends="a login, time moved past the refresh lifetime, then a refresh",
    requirement="A refresh token stops working when it expires.",
    spec="RFC 7519 §4.1.4; seed design (refresh token lifetime)",
    needs=("advance",),
    quote=quotes.R7519_EXP,
)
async def expired_by_time(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    session = await ctx.login()
    lifetimes = ctx.profile.lifetimes
    await ctx.advance(lifetimes.refresh + lifetimes.leeway + 1 + ctx.clock.precision)
    ctx.expect_refresh_rejected(
        await ctx.refresh_response(session.refresh), "expired refresh token"
    )


@case(
    "REFRESH-REJECT-07",
    "A refresh token for an unknown user is refused",
    sends="the refresh token re-signed with an unknown subject",
    requirement="The refresh endpoint checks that the user still exists.",
    spec="seed design (verify the token's data)",
    needs=("jwt_refresh", "forge_refresh"),
    quote=quotes.S_VERIFY_DATA,
)
async def unknown_user(ctx: CaseContext) -> None:
    session = await ctx.login()
    nobody = unknown_subject(session.refresh, ctx.claim.subject)
    token = ctx.refresh_forger.resign(session.refresh, changes={ctx.claim.subject: nobody})
    ctx.expect_user_gone_rejected(
        await ctx.refresh_response(token), "refresh token for no user", refresh=True
    )
    await ctx.forged_refresh_control()


@case(
    "REFRESH-REJECT-08",
    "A refresh token not yet valid is refused",
    sends="the refresh token re-signed with nbf an hour ahead",
    requirement="The refresh endpoint checks nbf.",
    spec="RFC 7519 §4.1.5",
    needs=("jwt_refresh", "forge_refresh"),
    quote=quotes.R7519_NBF,
)
async def refresh_nbf(ctx: CaseContext) -> None:
    session = await ctx.login()
    now = int(await ctx.now())
    token = ctx.refresh_forger.resign(session.refresh, changes={"nbf": now + 3600})
    ctx.expect_refresh_rejected(await ctx.refresh_response(token), "refresh token with future nbf")
    await ctx.forged_refresh_control()
