"""TYPE: access and refresh tokens are not interchangeable. The seed design tells them apart by a
type claim; a profile may say a header typ, the signing key or the audience does ([claims]
kind_by), and the marker cases then attack that marker instead."""

from __future__ import annotations

from typing import Any

from conformance.catalogue import quotes
from conformance.catalogue.case import Family
from conformance.context import CaseContext, Session
from conformance.outcomes import CaseFailure

FAMILY = Family("type", "Token-type separation")
case = FAMILY.case


def _declared_and_carried(ctx: CaseContext, token: str, kind: str) -> tuple[Any, Any]:
    """The marker the profile declares for `kind`, and the one `token` carries."""
    claims = ctx.claim
    wanted = {
        "access": (claims.access_audience, claims.access_type),
        "refresh": (claims.refresh_audience, claims.refresh_type),
    }[kind][0 if claims.kind_by == "audience" else 1]
    return wanted, ctx.marker_of(token)


def _carries(wanted: Any, actual: Any) -> bool:
    return wanted in actual if isinstance(actual, list) else bool(actual == wanted)


async def issued_tokens_are_marked(ctx: CaseContext, session: Session, *kinds: str) -> None:
    """Premise of the cases that relabel, vary or remove the kind marker: the target's own
    tokens of `kinds` carry the marker the profile declares. On tokens with no marker at all
    (the @fastify/jwt README's recipe signs both kinds with one key and the same claims), removing
    or changing one tests nothing TYPE-01/TYPE-02 do not already show with real tokens, and
    TYPE-03 reports the missing marker: one defect, not seven FAILs."""
    if ctx.profile.claims.kind_by == "key":
        return  # no marker: the key is the kind, and these cases attack the key instead
    for kind in kinds:
        if kind == "refresh" and ctx.profile.refresh.opaque:
            continue  # an opaque refresh token has no marker to carry
        token = session.access if kind == "access" else ctx.refresh_jwt(session)
        wanted, actual = _declared_and_carried(ctx, token, kind)
        ctx.premise(
            _carries(wanted, actual),
            f"the target's {kind} tokens carry the declared kind marker ({ctx.marker_name()} = "
            f"{wanted!r}; got {actual!r})",
            "TYPE-03",
        )


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
    "Issued tokens carry the declared kind marker",
    sends="a login; the tokens' claims (or header typ, or aud) are decoded (not verified)",
    requirement="Each token says which kind it is, with the profile's claim name and values "
    "(or JOSE typ header, or audience: [claims] kind_by).",
    spec="seed design (type field in the payload); RFC 8725 §3.11; RFC 8725 §3.12; "
    "RFC 9068 §2.1 (typ at+jwt)",
    needs=("kind_marker",),
    quote=quotes.S_TYPE,
)
async def typed(ctx: CaseContext) -> None:
    session = await ctx.login()
    tokens = [(session.access, "access")]
    if not ctx.profile.refresh.opaque:
        tokens.append((ctx.refresh_jwt(session), "refresh"))
    for token, kind in tokens:
        wanted, actual = _declared_and_carried(ctx, token, kind)
        if not _carries(wanted, actual):
            raise CaseFailure(
                f"{kind} token: {ctx.marker_name()} = {wanted!r}",
                f"{ctx.marker_name()} = {actual!r}",
            )


@case(
    "TYPE-04",
    "A validly signed access token relabelled as refresh does not open protected paths",
    sends="the access token re-signed with the refresh kind's marker (type value, header typ "
    "or aud; with kind_by = key: signed with the refresh key)",
    requirement="The kind marker itself is checked, not some other trait of the token.",
    spec="seed design; RFC 8725 §3.12",
    needs=("forge",),
    quote=quotes.R8725_KINDS,
)
async def relabelled_refresh(ctx: CaseContext) -> None:
    session = await ctx.login()
    await issued_tokens_are_marked(ctx, session, "access", "refresh")
    await ctx.forged_access_control(session)
    token = ctx.relabel(session.access, kind="access", as_kind="refresh")
    ctx.expect_rejected(await ctx.protected(token), "access token relabelled as refresh")


@case(
    "TYPE-05",
    "A validly signed refresh token relabelled as access does not refresh",
    sends="the refresh token re-signed with the access kind's marker (with kind_by = key: "
    "signed with the access key), to the refresh endpoint",
    requirement="The refresh endpoint checks the kind marker itself.",
    spec="seed design; RFC 8725 §3.12",
    needs=("jwt_refresh", "forge_refresh"),
    quote=quotes.R8725_KINDS,
)
async def relabelled_access(ctx: CaseContext) -> None:
    session = await ctx.login()
    await issued_tokens_are_marked(ctx, session, "access", "refresh")
    token = ctx.relabel(ctx.refresh_jwt(session), kind="refresh", as_kind="access")
    ctx.expect_refresh_rejected(
        await ctx.refresh_response(token), "refresh token relabelled as access"
    )
    await ctx.forged_refresh_control()


@case(
    "TYPE-06",
    "Unknown or differently spelled type values are refused",
    sends="the access token re-signed with type 'id', the access value upper-cased, "
    "and the access value inside a list (kind_by = header: typ 'id', 'JWT' and a list)",
    requirement="Only the exact access type value is an access token.",
    spec="seed design; RFC 8725 §3.11; RFC 8725 §3.12",
    needs=("forge", "kind_value"),
    quote=quotes.R8725_KINDS,
)
async def odd_types(ctx: CaseContext) -> None:
    session = await ctx.login()
    await issued_tokens_are_marked(ctx, session, "access")
    await ctx.forged_access_control(session)
    access = ctx.claim.access_type
    if ctx.claim.kind_by == "header":
        # A typ header is a media type, compared case-insensitively (RFC 7515 §4.1.9), and
        # RFC 9068 §4 also allows "application/at+jwt": neither is an odd value there.
        for value in ("id", "JWT", [access]):
            token = ctx.forger.resign(session.access, header_changes={"typ": value})
            ctx.expect_rejected(await ctx.protected(token), f"token with header typ {value!r}")
        return
    for value in ("id", access.upper() if access.upper() != access else access.lower(), [access]):
        token = ctx.forger.resign(session.access, changes={ctx.claim.type: value})
        ctx.expect_rejected(await ctx.protected(token), f"token with type {value!r}")


@case(
    "TYPE-07",
    "An untyped refresh token does not refresh",
    sends="the refresh token re-signed without its kind marker, to the refresh endpoint",
    requirement="A refresh token must say it is one.",
    spec="seed design; RFC 8725 §3.11; RFC 8725 §3.12",
    needs=("kind_marker", "jwt_refresh", "forge_refresh"),
    quote=quotes.R8725_KINDS,
)
async def untyped_refresh(ctx: CaseContext) -> None:
    session = await ctx.login()
    await issued_tokens_are_marked(ctx, session, "refresh")
    changes, header_changes = ctx.kind_marker(None)
    token = ctx.refresh_forger.resign(
        ctx.refresh_jwt(session), changes=changes, header_changes=header_changes
    )
    ctx.expect_refresh_rejected(await ctx.refresh_response(token), "refresh token without type")
    await ctx.forged_refresh_control()
