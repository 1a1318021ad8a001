"""BEARER: how protected resources read the Authorization header and say why they refuse."""

from __future__ import annotations

from conformance.catalogue import quotes
from conformance.catalogue.case import Family, Level
from conformance.causes import NO_BEARER_CHALLENGE
from conformance.context import CaseContext
from conformance.outcomes import CaseFailure
from conformance.verify import bearer_challenge, describe

FAMILY = Family("bearer", "Bearer header handling")
case = FAMILY.case


@case(
    "BEARER-MISSING-01",
    "No Authorization header is refused",
    sends="GET on the protected path without an Authorization header",
    requirement="A protected resource refuses a request without credentials with 401.",
    spec="RFC 6750 §3, §3.1; RFC 9110 §15.5.2",
    quote=quotes.BEARER_MISSING_01,
)
async def no_header(ctx: CaseContext) -> None:
    await ctx.access_control(await ctx.login())
    ctx.expect_missing_rejected(await ctx.protected(None), "GET protected without credentials")


@case(
    "BEARER-CHALLENGE-01",
    "A refusal for missing credentials carries a Bearer challenge",
    sends="GET on the protected path without an Authorization header",
    requirement="The 401 answer includes a WWW-Authenticate header with the Bearer scheme.",
    spec="RFC 6750 §3 (MUST include WWW-Authenticate)",
    quote=quotes.R6750_CHALLENGE,
)
async def challenge_missing(ctx: CaseContext) -> None:
    await ctx.access_control(await ctx.login())
    response = await ctx.protected(None)
    ctx.expect_missing_rejected(response, "GET protected without credentials")
    if bearer_challenge(response) is None:
        raise CaseFailure(
            "WWW-Authenticate: Bearer ...",
            f"WWW-Authenticate: {response.headers.get('www-authenticate', '(absent)')}",
            cause=NO_BEARER_CHALLENGE if "www-authenticate" not in response.headers else "",
        )


@case(
    "BEARER-CHALLENGE-02",
    "No error code when no credentials were sent",
    sends="GET on the protected path without an Authorization header",
    requirement="If the request lacks any authentication information, the challenge "
    "should not include an error code.",
    spec="RFC 6750 §3.1",
    level=Level.SHOULD,
    quote=quotes.BEARER_CHALLENGE_02,
)
async def challenge_no_error(ctx: CaseContext) -> None:
    response = await ctx.protected(None)
    challenge = bearer_challenge(response)
    if challenge is not None and "error" in challenge:
        raise CaseFailure("a challenge without error=", response.headers["www-authenticate"])


@case(
    "BEARER-CHALLENGE-03",
    "A refused token gets a Bearer challenge",
    sends="GET on the protected path with a garbage bearer token",
    requirement="The refusal of a bad token includes WWW-Authenticate: Bearer.",
    spec="RFC 6750 §3",
    quote=quotes.R6750_CHALLENGE,
)
async def challenge_invalid(ctx: CaseContext) -> None:
    await ctx.access_control(await ctx.login())
    response = await ctx.protected("not-a-token")
    ctx.expect_rejected(response, "GET protected with a garbage token")
    if bearer_challenge(response) is None:
        raise CaseFailure(
            "WWW-Authenticate: Bearer ...",
            f"WWW-Authenticate: {response.headers.get('www-authenticate', '(absent)')}",
            cause=NO_BEARER_CHALLENGE if "www-authenticate" not in response.headers else "",
        )


@case(
    "BEARER-CHALLENGE-04",
    "A refused token is named invalid_token",
    sends="GET on the protected path with a garbage bearer token",
    requirement='The challenge for an invalid token carries error="invalid_token".',
    spec="RFC 6750 §3.1",
    level=Level.SHOULD,
    quote=quotes.BEARER_CHALLENGE_04,
)
async def challenge_invalid_token(ctx: CaseContext) -> None:
    response = await ctx.protected("not-a-token")
    challenge = bearer_challenge(response) or {}
    if challenge.get("error") != "invalid_token":
        raise CaseFailure(
            'WWW-Authenticate: Bearer error="invalid_token"',
            response.headers.get("www-authenticate", "(absent)"),
            cause=NO_BEARER_CHALLENGE if "www-authenticate" not in response.headers else "",
        )


@case(
    "BEARER-SCHEME-01",
    "Another scheme is not taken for Bearer",
    sends="the valid access token under the Basic and Token schemes",
    requirement="Only the Bearer scheme carries an access token.",
    spec="RFC 6750 §2.1",
    quote=quotes.R6750_GRAMMAR,
)
async def other_scheme(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.access_control(session)
    path = ctx.profile.protected_paths[0]
    for scheme in ("Basic", "Token"):
        response = await ctx.request(
            "GET", path, headers={"Authorization": f"{scheme} {session.access}"}
        )
        if response.status_code in ctx.profile.rejection.missing:
            # RFC 6750 §3.1: a request "attempted using an unsupported authentication method"
            # lacks authentication information, so the no-token refusal is as right as the
            # bad-token one (a target answering 401 without a token and 403 for a bad one).
            continue
        ctx.expect_rejected(response, f"Authorization: {scheme} <access token>")


@case(
    "BEARER-SCHEME-02",
    "The scheme name is case-insensitive",
    sends="the valid access token as 'bearer <token>' and 'BEARER <token>'",
    requirement="Authentication scheme names are case-insensitive.",
    spec="RFC 9110 §11.1; RFC 6750 §2.1",
    level=Level.MUST,
    quote=quotes.BEARER_SCHEME_02,
)
async def scheme_case(ctx: CaseContext) -> None:
    session = await ctx.login()
    path = ctx.profile.protected_paths[0]
    for scheme in ("bearer", "BEARER"):
        response = await ctx.request(
            "GET", path, headers={"Authorization": f"{scheme} {session.access}"}
        )
        ctx.expect_accepted(response, f"Authorization: {scheme} <access token>")


@case(
    "BEARER-MALFORMED-01",
    "'Bearer' with no token is refused without a crash",
    sends="Authorization: Bearer (no token), and Authorization: Bearer with a lone comma",
    requirement="A malformed Authorization header is refused (400 invalid_request or 401).",
    spec="RFC 6750 §3.1 (invalid_request); RFC 9110 §15.5.1",
    quote=quotes.R9110_400,
)
async def bearer_empty(ctx: CaseContext) -> None:
    await ctx.access_control(await ctx.login())
    path = ctx.profile.protected_paths[0]
    for value in ("Bearer", "Bearer ,"):
        response = await ctx.request("GET", path, headers={"Authorization": value})
        ctx.expect_bad_request(response, f"Authorization: {value!r}")


@case(
    "BEARER-MALFORMED-02",
    "Two tokens in one header are refused",
    sends="Authorization: Bearer <valid access> <valid access>",
    requirement="A header with more than one token is malformed and refused.",
    spec="RFC 6750 §2.1 (b64token syntax), §3.1",
    quote=quotes.R6750_GRAMMAR,
)
async def two_tokens(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.access_control(session)
    response = await ctx.request(
        "GET",
        ctx.profile.protected_paths[0],
        headers={"Authorization": f"Bearer {session.access} {session.access}"},
    )
    ctx.expect_bad_request(response, "Authorization with two tokens")


@case(
    "BEARER-MALFORMED-03",
    "Two Authorization headers do not crash the server",
    sends="two Authorization headers: a garbage token and the valid access token",
    requirement="Duplicate credentials never cause a 5xx (a 4xx or a 2xx is fine).",
    spec="RFC 6750 §3.1; RFC 9110 §5.3; RFC 9110 §15.6",
    quote=quotes.R9110_5XX,
)
async def two_headers(ctx: CaseContext) -> None:
    session = await ctx.login()
    response = await ctx.request(
        "GET",
        ctx.profile.protected_paths[0],
        headers=[
            ("Authorization", "Bearer garbage"),
            ("Authorization", f"Bearer {session.access}"),
        ],
    )
    ctx.expect_no_crash(response, "two Authorization headers")


@case(
    "BEARER-QUERY-01",
    "An access token in the query string is not accepted",
    sends="GET on the protected path with ?access_token=<valid access token> and no header",
    requirement="Access tokens in URLs leak into logs and history; resource servers should not "
    "accept them.",
    spec="RFC 6750 §2.3, §5.3; RFC 9700 §4.3.2",
    level=Level.SHOULD,
    quote=quotes.BEARER_QUERY_01,
)
async def query_token(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.access_control(session)
    response = await ctx.request(
        "GET", f"{ctx.profile.protected_paths[0]}?access_token={session.access}"
    )
    ctx.expect_no_crash(response, "token in the query string")
    if response.is_success:
        raise CaseFailure("the query-string token ignored (a refusal)", describe(response))


@case(
    "BEARER-PUBLIC-01",
    "Public paths answer without credentials",
    sends="GET on each public path without an Authorization header",
    requirement="The profile's public paths need no token (so the suite's refusals elsewhere "
    "are about tokens, not a server that refuses everything).",
    spec="seed design (/public)",
    needs=("public_path",),
    quote=quotes.S_PUBLIC,
)
async def public_open(ctx: CaseContext) -> None:
    for path in ctx.profile.public_paths:
        ctx.expect_accepted(await ctx.request("GET", path), f"GET {path}")
