"""TYPE: access and refresh tokens are not interchangeable (the seed's type claim)."""

from __future__ import annotations

from conformance.catalogue import quotes
from conformance.catalogue.case import Family
from conformance.context import CaseContext
from conformance.outcomes import CaseFailure

FAMILY = Family("type", "Token-type separation")
case = FAMILY.case


@case(
    "TYPE-01",
    "A refresh token does not open protected paths",
    sends="GET on each protected path with the refresh token as bearer",
    requirement="Protected resources accept only access tokens.",
    spec="seed design (token type check, separate duties); RFC 8725 §3.12",
    quote=quotes.R8725_KINDS,
)
async def refresh_as_access(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.access_control(session)
    for path in ctx.profile.protected_paths:
        ctx.expect_rejected(await ctx.protected(session.refresh, path), f"refresh token at {path}")


@case(
    "TYPE-02",
    "An access token does not refresh",
    sends="the access token to the refresh endpoint, the way a refresh token travels",
    requirement="The refresh endpoint accepts only refresh tokens.",
    spec="seed design (refresh accepts only a refresh token); RFC 8725 §3.12",
    quote=quotes.R8725_KINDS,
)
async def access_as_refresh(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    session = await ctx.login()
    ctx.expect_refresh_rejected(
        await ctx.refresh_response(session.access), "access token at refresh"
    )


@case(
    "TYPE-03",
    "Issued tokens carry the declared type claim",
    sends="a login; the tokens' claims are decoded (not verified)",
    requirement="Each token says which kind it is, with the profile's claim name and values.",
    spec="seed design (type field in the payload); RFC 8725 §3.11; RFC 8725 §3.12",
    quote=quotes.S_TYPE,
)
async def typed(ctx: CaseContext) -> None:
    session = await ctx.login()
    claim = ctx.claim
    for token, wanted in (
        (session.access, claim.access_type),
        (session.refresh, claim.refresh_type),
    ):
        actual = session.claims(token).get(claim.type)
        if actual != wanted:
            raise CaseFailure(f"{claim.type} = {wanted!r}", f"{claim.type} = {actual!r}")


@case(
    "TYPE-04",
    "A validly signed access token relabelled as refresh does not open protected paths",
    sends="the access token re-signed with the refresh type value",
    requirement="The type claim itself is checked, not some other trait of the token.",
    spec="seed design; RFC 8725 §3.12",
    needs=("forge",),
    quote=quotes.R8725_KINDS,
)
async def relabelled_refresh(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.forged_access_control(session)
    token = ctx.forger.resign(session.access, changes={ctx.claim.type: ctx.claim.refresh_type})
    ctx.expect_rejected(await ctx.protected(token), "access token relabelled as refresh")


@case(
    "TYPE-05",
    "A validly signed refresh token relabelled as access does not refresh",
    sends="the refresh token re-signed with the access type value, to the refresh endpoint",
    requirement="The refresh endpoint checks the type claim itself.",
    spec="seed design; RFC 8725 §3.12",
    needs=("forge",),
    quote=quotes.R8725_KINDS,
)
async def relabelled_access(ctx: CaseContext) -> None:
    session = await ctx.login()
    token = ctx.forger.resign(session.refresh, changes={ctx.claim.type: ctx.claim.access_type})
    ctx.expect_refresh_rejected(
        await ctx.refresh_response(token), "refresh token relabelled as access"
    )
    await ctx.forged_refresh_control()


@case(
    "TYPE-06",
    "Unknown or differently spelled type values are refused",
    sends="the access token re-signed with type 'id', the access value upper-cased, "
    "and the access value inside a list",
    requirement="Only the exact access type value is an access token.",
    spec="seed design; RFC 8725 §3.11; RFC 8725 §3.12",
    needs=("forge",),
    quote=quotes.R8725_KINDS,
)
async def odd_types(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.forged_access_control(session)
    access = ctx.claim.access_type
    for value in ("id", access.upper() if access.upper() != access else access.lower(), [access]):
        token = ctx.forger.resign(session.access, changes={ctx.claim.type: value})
        ctx.expect_rejected(await ctx.protected(token), f"token with type {value!r}")


@case(
    "TYPE-07",
    "An untyped refresh token does not refresh",
    sends="the refresh token re-signed without the type claim, to the refresh endpoint",
    requirement="A refresh token must say it is one.",
    spec="seed design; RFC 8725 §3.11; RFC 8725 §3.12",
    needs=("forge",),
    quote=quotes.R8725_KINDS,
)
async def untyped_refresh(ctx: CaseContext) -> None:
    from conformance.forge import DROP

    session = await ctx.login()
    token = ctx.forger.resign(session.refresh, changes={ctx.claim.type: DROP})
    ctx.expect_refresh_rejected(await ctx.refresh_response(token), "refresh token without type")
    await ctx.forged_refresh_control()
