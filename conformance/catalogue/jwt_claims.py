"""JWT-CLAIM/TIME: required claims are required, odd ones are refused, time claims are honoured
with no more leeway than declared. Forged tokens are re-signed copies of real ones."""

from __future__ import annotations

import json
from typing import Any

from conformance.catalogue import quotes
from conformance.catalogue.case import Family, Level
from conformance.catalogue.token_type import issued_tokens_are_marked
from conformance.context import CaseContext, Session
from conformance.forge import DROP, decode_unverified, wrong_subject_types
from conformance.forge import unknown_subject as subject_of_nobody
from conformance.outcomes import CaseFailure

FAMILY = Family("jwt-claims", "JWT claims and time")
case = FAMILY.case


async def forged_refused(ctx: CaseContext, changes: dict[str, Any], what: str) -> Session:
    session = await ctx.login()
    await ctx.forged_access_control(session)
    token = ctx.forger.resign(session.access, changes=changes)
    ctx.expect_rejected(await ctx.protected(token), what)
    return session


def _raw_claims(ctx: CaseContext, session: Session, claim: str, literal: str) -> str:
    """Re-sign with `claim` set to a JSON literal json.dumps cannot write (e.g. 1e400)."""
    header, claims = decode_unverified(session.access)
    claims[claim] = "__PLACEHOLDER__"
    payload = json.dumps(claims).replace('"__PLACEHOLDER__"', literal)
    return ctx.forger.sign_with_header(header, payload.encode())


@case(
    "JWT-CLAIM-01",
    "A token without exp is refused",
    sends="a correctly signed access token with the exp claim removed",
    requirement="Every token expires; one without exp would live forever.",
    spec="seed design (short-lived access token); RFC 8725 §3.10; RFC 7519 §4.1.4",
    needs=("forge",),
    quote=quotes.S_ACCESS_SHORT,
)
async def no_exp(ctx: CaseContext) -> None:
    await forged_refused(ctx, {"exp": DROP}, "token without exp")


@case(
    "JWT-CLAIM-02",
    "A token without a subject is refused",
    sends="a correctly signed access token with the subject claim removed",
    requirement="A token names its user; one without a subject identifies nobody.",
    spec="seed design (sub is None → invalid); RFC 7519 §4.1.2",
    needs=("forge",),
    quote=quotes.S_VERIFY_DATA,
)
async def no_subject(ctx: CaseContext) -> None:
    await forged_refused(ctx, {ctx.claim.subject: DROP}, "token without subject")


@case(
    "JWT-CLAIM-03",
    "A token without a type claim is refused",
    sends="a correctly signed access token with the type claim removed",
    requirement="Access and refresh tokens are told apart by an explicit type; an untyped "
    "token is neither.",
    spec="seed design (token type check); RFC 8725 §3.11, §3.12",
    needs=("forge", "kind_marker"),
    quote=quotes.S_TYPE,
)
async def no_type(ctx: CaseContext) -> None:
    changes, header_changes = ctx.kind_marker(None)
    session = await ctx.login()
    await issued_tokens_are_marked(ctx, session, "access")
    await ctx.forged_access_control(session)
    token = ctx.forger.resign(session.access, changes=changes, header_changes=header_changes)
    ctx.expect_rejected(await ctx.protected(token), "token without type")


@case(
    "JWT-CLAIM-04",
    "Tokens missing a declared required claim are refused",
    sends="for each claim in [claims] required, a correctly signed access token without it",
    requirement="Claims the target declares required (jti, sid, ...) are enforced.",
    spec="RFC 7519 §4.1.7; RFC 8725 §3.10; RFC 7519 §4",
    needs=("forge",),
    quote=quotes.JWT_CLAIM_04,
)
async def no_required(ctx: CaseContext) -> None:
    required = ctx.claim.required
    ctx.require(bool(required), "the profile declares no extra required claims")
    session = await ctx.login()
    await ctx.forged_access_control(session)
    for claim in required:
        token = ctx.forger.resign(session.access, changes={claim: DROP})
        ctx.expect_rejected(await ctx.protected(token), f"token without {claim}")


@case(
    "JWT-CLAIM-05",
    "An exp that is not a number is refused",
    sends='correctly signed access tokens with exp as a string ("9999999999") and as null',
    requirement="exp is a NumericDate; any other type makes the token invalid.",
    spec="RFC 7519 §2 (NumericDate), §4.1.4",
    needs=("forge",),
    quote=quotes.R7519_EXP_TYPE,
)
async def exp_string(ctx: CaseContext) -> None:
    session = await forged_refused(ctx, {"exp": "9999999999"}, "token with a string exp")
    token = ctx.forger.resign(session.access, changes={"exp": None})
    ctx.expect_rejected(await ctx.protected(token), "token with exp null")


@case(
    "JWT-CLAIM-06",
    "An exp that overflows is refused without a crash",
    sends="correctly signed access tokens with exp 1e400 (infinity as a float) and NaN",
    requirement="A NumericDate that is not finite is invalid, and parsing it is not a crash.",
    spec="RFC 7519 §2 (NumericDate), §4.1.4",
    needs=("forge",),
    quote=quotes.R7519_EXP_TYPE,
)
async def exp_overflow(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.forged_access_control(session)
    for literal in ("1e400", "NaN", "-1e400"):
        token = _raw_claims(ctx, session, "exp", literal)
        ctx.expect_rejected(await ctx.protected(token), f"token with exp {literal}")


@case(
    "JWT-CLAIM-07",
    "A far-future exp does not crash the target",
    sends="a correctly signed access token with exp = 10^30",
    requirement="Huge NumericDates are handled (accepted or refused), never a server error.",
    spec="RFC 7519 §2 (NumericDate); RFC 9110 §15.6 (5xx means the server failed)",
    needs=("forge",),
    quote=quotes.R9110_5XX,
)
async def exp_huge(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.forged_access_control(session)
    token = ctx.forger.resign(session.access, changes={"exp": 10**30})
    ctx.expect_no_crash(await ctx.protected(token), "token with exp 10^30")


@case(
    "JWT-CLAIM-08",
    "A token for a user that does not exist is refused",
    sends="a correctly signed access token whose subject is an unknown username (an unknown "
    "number where the target issues numeric user ids)",
    requirement="After decoding, the target checks the subject still exists.",
    spec="seed design (verify the token's data, e.g. that the user exists)",
    needs=("forge",),
    quote=quotes.S_VERIFY_DATA,
)
async def unknown_subject(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.forged_access_control(session)
    nobody = subject_of_nobody(session.access, ctx.claim.subject)
    token = ctx.forger.resign(session.access, changes={ctx.claim.subject: nobody})
    ctx.expect_user_gone_rejected(await ctx.protected(token), "token for no user")


@case(
    "JWT-CLAIM-09",
    "A subject of the wrong JSON type is refused without a crash",
    sends="correctly signed access tokens whose subject is 42 (a string where the target issues "
    "numeric user ids), null, a list and an object",
    requirement="A subject of another JSON type than the issued one is rejected, not a server "
    "error.",
    spec="RFC 7519 §4.1.2 (sub is a StringOrURI)",
    needs=("forge",),
    quote=quotes.JWT_CLAIM_09,
)
async def subject_type(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.forged_access_control(session)
    # A numeric user id (Django's user_id) is the issued type there: a string is the odd one.
    for value in wrong_subject_types(session.access, ctx.claim.subject):
        token = ctx.forger.resign(session.access, changes={ctx.claim.subject: value})
        ctx.expect_rejected(await ctx.protected(token), f"token with subject {value!r}")


@case(
    "JWT-CLAIM-10",
    "A token from another issuer is refused",
    sends="a correctly signed access token with iss changed",
    requirement="When the target declares an issuer, tokens naming another are rejected.",
    spec="RFC 7519 §4.1.1; RFC 8725 §3.8; RFC 9068 §4",
    needs=("forge", "issuer"),
    quote=quotes.JWT_CLAIM_10,
)
async def wrong_issuer(ctx: CaseContext) -> None:
    session = await forged_refused(ctx, {"iss": "https://attacker.example"}, "token of another iss")
    token = ctx.forger.resign(session.access, changes={"iss": DROP})
    ctx.expect_rejected(await ctx.protected(token), "token without iss")


@case(
    "JWT-CLAIM-11",
    "A token for another audience is refused",
    sends="a correctly signed access token with aud changed, then without aud",
    requirement="If the target does not identify itself with a value in aud, the JWT must be "
    "rejected.",
    spec="RFC 7519 §4.1.3; RFC 8725 §3.9; RFC 9068 §4",
    needs=("forge", "audience"),
    quote=quotes.JWT_CLAIM_11,
)
async def wrong_audience(ctx: CaseContext) -> None:
    session = await forged_refused(ctx, {"aud": "another-service"}, "token for another aud")
    token = ctx.forger.resign(session.access, changes={"aud": DROP})
    ctx.expect_rejected(await ctx.protected(token), "token without aud")


@case(
    "JWT-TIME-01",
    "An expired token is refused",
    sends="a correctly signed access token whose exp was a day ago",
    requirement="The current time must be before exp.",
    spec="RFC 7519 §4.1.4",
    needs=("forge",),
    quote=quotes.R7519_EXP,
)
async def expired(ctx: CaseContext) -> None:
    now = int(await ctx.now())
    await forged_refused(ctx, {"exp": now - 86_400}, "token expired a day ago")


@case(
    "JWT-TIME-02",
    "exp leeway is no more than declared (measured)",
    sends="correctly signed access tokens that expired 1, 2, 5, 10, 30, 60, 300 and 3600 s "
    "beyond the declared leeway",
    requirement="Leeway is small and declared; a token past exp by more is refused.",
    spec="RFC 7519 §4.1.4 (a small leeway, usually no more than a few minutes)",
    needs=("forge",),
    quote=quotes.R7519_EXP,
)
async def exp_leeway(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.forged_access_control(session)
    declared = ctx.profile.lifetimes.leeway
    slack = ctx.clock.precision
    accepted: list[int] = []
    for beyond in (1, 2, 5, 10, 30, 60, 300, 3600):
        past = declared + beyond + int(slack)
        now = int(await ctx.now())
        token = ctx.forger.resign(session.access, changes={"exp": now - past})
        response = await ctx.protected(token)
        ctx.expect_no_crash(response, f"token expired {past} s ago")
        if response.is_success:
            accepted.append(past)
    if accepted:
        raise CaseFailure(
            f"tokens more than the declared leeway ({declared} s) past exp refused",
            f"accepted tokens expired {', '.join(map(str, accepted))} s ago "
            f"(measured leeway ≥ {max(accepted)} s)",
        )


@case(
    "JWT-TIME-03",
    "A token not yet valid (nbf in the future) is refused",
    sends="a correctly signed access token with nbf an hour ahead",
    requirement="The current time must be at or after nbf.",
    spec="RFC 7519 §4.1.5",
    needs=("forge",),
    quote=quotes.R7519_NBF,
)
async def nbf_future(ctx: CaseContext) -> None:
    now = int(await ctx.now())
    await forged_refused(ctx, {"nbf": now + 3600}, "token with nbf an hour ahead")


@case(
    "JWT-TIME-04",
    "nbf leeway is no more than declared",
    sends="a correctly signed access token with nbf just beyond the declared leeway ahead",
    requirement="Leeway on nbf is the declared one, not more.",
    spec="RFC 7519 §4.1.5",
    needs=("forge",),
    quote=quotes.R7519_NBF,
)
async def nbf_leeway(ctx: CaseContext) -> None:
    now = int(await ctx.now())
    ahead = ctx.profile.lifetimes.leeway + 2 + int(ctx.clock.precision)
    await forged_refused(ctx, {"nbf": now + ahead}, f"token with nbf {ahead} s ahead")


@case(
    "JWT-TIME-05",
    "A past nbf is honoured, not refused",
    sends="a correctly signed access token with nbf ten seconds ago",
    requirement="A token whose nbf has passed is valid (nbf is not a reason to refuse).",
    spec="RFC 7519 §4.1.5",
    needs=("forge",),
    quote=quotes.R7519_NBF,
)
async def nbf_past(ctx: CaseContext) -> None:
    session = await ctx.login()
    now = int(await ctx.now())
    token = ctx.forger.resign(session.access, changes={"nbf": now - 10})
    ctx.expect_accepted(await ctx.protected(token), "token with nbf 10 s ago")


@case(
    "JWT-TIME-06",
    "A token issued in the future is refused",
    sends="a correctly signed access token with iat an hour ahead",
    requirement="A token claiming to be issued in the future is a forgery or a broken clock.",
    spec="RFC 7519 §4.1.6; docs/reference-api.md (iat beyond leeway is rejected)",
    level=Level.SHOULD,
    needs=("forge",),
    quote=quotes.JWT_TIME_06,
)
async def iat_future(ctx: CaseContext) -> None:
    now = int(await ctx.now())
    await forged_refused(ctx, {"iat": now + 3600}, "token issued an hour ahead")
