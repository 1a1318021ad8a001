"""LIFETIME: tokens live as long as declared — the access token briefly, also after a refresh."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeGuard

from conformance.catalogue import quotes
from conformance.catalogue.case import Family, Level
from conformance.context import CaseContext, Session
from conformance.outcomes import CaseFailure, Skipped
from conformance.verify import json_body

FAMILY = Family("lifetime", "Lifetimes")
case = FAMILY.case


@dataclass(frozen=True)
class Lifetime:
    """exp minus the moment of issue: `iat`, or else the `Date` of the answer that carried the
    token (RFC 7519 §4.1.6 makes iat OPTIONAL, and e.g. fastapi-users issues none)."""

    seconds: int
    since: str  # "iat" or "Date"
    # Date has whole seconds and servers cache it (uvicorn renews it once a second), so it may
    # trail the token's minting by a second more than iat would.
    slack: int


def _numeric(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def lifetime(session: Session, token: str) -> Lifetime:
    claims = session.claims(token)
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _numeric(exp):
        raise CaseFailure("a numeric exp claim", f"exp={exp!r}")
    if _numeric(iat):
        return Lifetime(int(exp - iat), "iat", 1)
    date = session.response.headers.get("date", "")
    try:
        issued = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        # Without either, when the token was minted is unknown: no verdict on its lifetime.
        raise Skipped(
            f"the token has no iat (iat={iat!r}) and the answer that carried it no usable Date "
            f"header ({date!r}): when it was issued is unknown"
        ) from None
    return Lifetime(int(exp - issued), "Date", 2)


def check_lifetime(actual: Lifetime, declared: int, what: str) -> None:
    # One second of slack: a target may round iat and exp separately.
    if abs(actual.seconds - declared) > actual.slack:
        raise CaseFailure(
            f"{what}: exp - {actual.since} = {declared} s (declared)", f"{actual.seconds} s"
        )


@case(
    "LIFETIME-CLAIMS-01",
    "The access token lives as long as declared",
    sends="a login; exp - iat of the access token is read",
    requirement="The access token's lifetime is the declared (short) one.",
    spec="seed design (access token: short, 15-30 min); RFC 7519 §4.1.4",
    quote=quotes.S_ACCESS_SHORT,
)
async def access_claims(ctx: CaseContext) -> None:
    session = await ctx.login()
    check_lifetime(lifetime(session, session.access), ctx.profile.lifetimes.access, "access token")


@case(
    "LIFETIME-CLAIMS-02",
    "The refresh token lives as long as declared",
    sends="a login; exp - iat of the refresh token is read",
    requirement="The refresh token's lifetime is the declared (long) one.",
    spec="seed design (refresh token: long, 7-30 days)",
    needs=("jwt_refresh",),
    quote=quotes.S_REFRESH_LONG,
)
async def refresh_claims(ctx: CaseContext) -> None:
    session = await ctx.login()
    check_lifetime(
        lifetime(session, ctx.refresh_jwt(session)), ctx.profile.lifetimes.refresh, "refresh token"
    )


@case(
    "LIFETIME-CLAIMS-03",
    "A refreshed access token has the access lifetime, not the refresh one",
    sends="a refresh; exp - iat of the new access token is read",
    requirement="Refresh mints an access token as short-lived as one from login.",
    spec="seed design (new access token with ACCESS_TOKEN_EXPIRE_MINUTES)",
    quote=quotes.S_NEW_ACCESS,
)
async def refreshed_claims(ctx: CaseContext) -> None:
    refreshed = await ctx.refresh(await ctx.login())
    check_lifetime(
        lifetime(refreshed, refreshed.access),
        ctx.profile.lifetimes.access,
        "refreshed access token",
    )


@case(
    "LIFETIME-EXPIRY-01",
    "The access token works until just before it expires",
    sends="a login, time moved to 2 s before the access lifetime ends, then GET protected",
    requirement="An access token is valid for its whole declared lifetime.",
    spec="RFC 7519 §4.1.4",
    needs=("advance",),
    quote=quotes.R7519_EXP,
)
async def access_until_expiry(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.advance(max(0.0, ctx.profile.lifetimes.access - 2 - ctx.clock.precision))
    ctx.expect_accepted(await ctx.protected(session.access), "access token just before expiry")


@case(
    "LIFETIME-EXPIRY-02",
    "The access token is refused once it expired",
    sends="a login, time moved past the access lifetime (plus leeway), then GET protected",
    requirement="The target refuses an access token after its exp.",
    spec="RFC 7519 §4.1.4; seed design",
    needs=("advance",),
    quote=quotes.R7519_EXP,
)
async def access_after_expiry(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.access_control(session)
    lifetimes = ctx.profile.lifetimes
    await ctx.advance(lifetimes.access + lifetimes.leeway + 1 + ctx.clock.precision)
    ctx.expect_rejected(await ctx.protected(session.access), "expired access token")


@case(
    "LIFETIME-EXPIRY-03",
    "A refreshed access token expires after the access lifetime",
    sends="a refresh, time moved past the access lifetime, then GET protected with the new token",
    requirement="Refreshing never yields a longer-lived access token.",
    spec="seed design (new access token with the access lifetime)",
    needs=("advance",),
    quote=quotes.S_NEW_ACCESS,
)
async def refreshed_after_expiry(ctx: CaseContext) -> None:
    refreshed = await ctx.refresh(await ctx.login())
    await ctx.access_control(refreshed)
    lifetimes = ctx.profile.lifetimes
    await ctx.advance(lifetimes.access + lifetimes.leeway + 1 + ctx.clock.precision)
    ctx.expect_rejected(await ctx.protected(refreshed.access), "expired refreshed access token")


@case(
    "LIFETIME-EXPIRY-04",
    "The refresh token works until just before it expires",
    sends="a login, time moved to 2 s before the refresh lifetime ends, then a refresh",
    requirement="A refresh token is valid for its whole declared lifetime.",
    spec="RFC 7519 §4.1.4; seed design",
    needs=("advance",),
    quote=quotes.R7519_EXP,
)
async def refresh_until_expiry(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.advance(max(0.0, ctx.profile.lifetimes.refresh - 2 - ctx.clock.precision))
    ctx.expect_accepted(await ctx.refresh_response(session.refresh), "refresh just before expiry")


@case(
    "LIFETIME-EXPIRES-IN-01",
    "expires_in matches the access token's lifetime",
    sends="a login and a refresh; expires_in of each answer is read",
    requirement="expires_in is the access token's lifetime in seconds.",
    spec="RFC 6749 §5.1 (expires_in RECOMMENDED)",
    level=Level.SHOULD,
    needs=("expires_in",),
    quote=quotes.LIFETIME_EXPIRES_IN_01,
)
async def expires_in(ctx: CaseContext) -> None:
    session = await ctx.login()
    refreshed = await ctx.refresh(session)
    for response, field, what in (
        (session.response, ctx.profile.login.expires_in_field, "login"),
        (refreshed.response, ctx.profile.refresh.expires_in_field, "refresh"),
    ):
        value = json_body(response, f"{what} answer").get(field)
        if not isinstance(value, int) or abs(value - ctx.profile.lifetimes.access) > 1:
            raise CaseFailure(f"{what}: {field} = {ctx.profile.lifetimes.access}", repr(value))


@case(
    "LIFETIME-RANGE-01",
    "Lifetimes are in the seed's ranges",
    sends="a login; the tokens' lifetimes are read from their claims",
    requirement="The access token lives at most 30 minutes, the refresh token at most 30 days, "
    "and the access token is the shorter.",
    spec="seed design (access 15-30 min, refresh 7-30 days); RFC 9700 §4.14.2",
    level=Level.SHOULD,
    quote=quotes.LIFETIME_RANGE_01,
)
async def ranges(ctx: CaseContext) -> None:
    session = await ctx.login()
    access = lifetime(session, session.access).seconds
    if access > 1800:
        raise CaseFailure("access lifetime <= 1800 s", f"{access} s")
    if ctx.profile.refresh.opaque:
        # An opaque refresh token's lifetime cannot be read; the access half still can.
        return
    refresh = lifetime(session, session.refresh).seconds
    if not access < refresh:
        raise CaseFailure("access lifetime < refresh lifetime", f"{access} s vs {refresh} s")
    if refresh > 30 * 86_400:
        raise CaseFailure("refresh lifetime <= 30 days", f"{refresh} s")
