"""LOGIN: the login endpoint hands out a working pair of tokens, and only for right credentials."""

from __future__ import annotations

from conformance.catalogue import quotes
from conformance.catalogue.case import Family, Level
from conformance.causes import NO_NO_STORE
from conformance.context import CaseContext
from conformance.outcomes import CaseFailure
from conformance.verify import describe, json_body

FAMILY = Family("login", "Login")

# The root cause LOGIN-OK-03, REFRESH-OK-03 and CONC-LOGIN-01 share (reports group by it).
SAME_TOKENS = "tokens carry nothing unique (no jti): tokens minted in one second are identical"
case = FAMILY.case


@case(
    "LOGIN-OK-01",
    "Right credentials get an access token and a refresh token",
    sends="the profile's username and password to the login path",
    requirement="A successful login answers 2xx with both tokens.",
    spec="seed design (login: create access and refresh token, return both); RFC 6749 §5.1",
    quote=quotes.S_LOGIN,
    overlaps=True,
)
async def login_ok(ctx: CaseContext) -> None:
    response = await ctx.login_response()
    ctx.expect_accepted(response, "login with the profile's credentials")
    access, refresh = ctx.tokens_from(response, at_login=True)
    if not refresh:
        raise CaseFailure("a refresh token in the login answer", describe(response))
    if access == refresh:
        raise CaseFailure("two different tokens", "the access and refresh tokens are identical")


@case(
    "LOGIN-OK-02",
    "The access token from login opens every protected path",
    sends="GET on each protected path with the fresh access token",
    requirement="A valid access token is accepted by the protected resources.",
    spec="RFC 6750 §2.1; seed design",
    quote=quotes.R6750_SUPPORT,
)
async def access_works(ctx: CaseContext) -> None:
    session = await ctx.login()
    for path in ctx.profile.protected_paths:
        ctx.expect_accepted(await ctx.protected(session.access, path), f"GET {path}")


@case(
    "LOGIN-OK-03",
    "Two logins in the same second get different tokens",
    sends="three logins back to back (in freeze mode: in the very same second)",
    requirement="Each login mints its own tokens, so that revoking one session leaves the other.",
    spec="RFC 7519 §4.1.7 (jti); seed design (blacklist on logout)",
    quote=quotes.R7519_JTI,
)
async def logins_differ(ctx: CaseContext) -> None:
    # Three, not two: on real time two logins may straddle a second and differ by luck.
    sessions = [await ctx.login_now() for _ in range(3)]
    if len({s.access for s in sessions}) < 3 or len({s.refresh for s in sessions}) < 3:
        raise CaseFailure(
            "fresh tokens for each login", "two logins got an identical token", cause=SAME_TOKENS
        )


@case(
    "LOGIN-REJECT-01",
    "A wrong password is refused",
    sends="the profile's username with a wrong password",
    requirement="Login with wrong credentials is refused and issues no token.",
    spec="RFC 6749 §5.2 (invalid_grant); seed design",
    quote=quotes.S_VERIFY_PW,
    overlaps=True,
)
async def wrong_password(ctx: CaseContext) -> None:
    await ctx.login_control()
    response = await ctx.login_response(password=ctx.profile.credentials.password + "-wrong")
    ctx.expect_login_rejected(response, "login with a wrong password")


@case(
    "LOGIN-REJECT-02",
    "An unknown user is refused",
    sends="an unknown username with the profile's password",
    requirement="Login for a user that does not exist is refused.",
    spec="RFC 6749 §5.2; seed design",
    quote=quotes.S_VERIFY_PW,
    overlaps=True,
)
async def unknown_user(ctx: CaseContext) -> None:
    await ctx.login_control()
    response = await ctx.login_response(username="no-such-user-7f3a9c")
    ctx.expect_login_rejected(response, "login as an unknown user")


@case(
    "LOGIN-REJECT-03",
    "The password is compared exactly (case and whitespace)",
    sends="the password upper-cased, and the password with a trailing space",
    requirement="Only the exact password logs in.",
    spec="seed design (verify username and password)",
    quote=quotes.S_VERIFY_PW,
    overlaps=True,
)
async def password_exact(ctx: CaseContext) -> None:
    await ctx.login_control()
    password = ctx.profile.credentials.password
    variants = [password.swapcase(), password + " ", " " + password]
    variants = [v for v in variants if v != password]
    answers = ctx.login_responses([(None, variant) for variant in variants])
    for variant in variants:
        response = await anext(answers)
        ctx.expect_login_rejected(response, f"login with password {variant!r}")


@case(
    "LOGIN-REJECT-04",
    "An empty password is refused",
    sends="the profile's username with an empty password",
    requirement="An empty password never logs in.",
    spec="seed design",
    quote=quotes.S_VERIFY_PW,
    overlaps=True,
)
async def empty_password(ctx: CaseContext) -> None:
    await ctx.login_control()
    response = await ctx.login_response(password="")
    if response.is_success:
        raise CaseFailure("login with an empty password: refused", describe(response))
    ctx.expect_bad_request(response, "login with an empty password")


@case(
    "LOGIN-REJECT-05",
    "Wrong password and unknown user get the same answer",
    sends="a wrong password, then an unknown user",
    requirement="The answers do not tell which usernames exist.",
    spec="RFC 6749 §10.10 (credentials guessing attacks); OWASP ASVS V2"
    "; OWASP Authentication Cheat Sheet",
    level=Level.SHOULD,
    quote=quotes.LOGIN_REJECT_05,
    overlaps=True,
)
async def no_enumeration(ctx: CaseContext) -> None:
    await ctx.login_control()
    wrong, unknown = [
        response
        async for response in ctx.login_responses(
            [(None, ctx.profile.credentials.password + "-wrong"), ("no-such-user-7f3a9c", None)]
        )
    ]
    if (wrong.status_code, wrong.content) != (unknown.status_code, unknown.content):
        raise CaseFailure(
            "identical answers",
            f"wrong password: {describe(wrong)}; unknown user: {describe(unknown)}",
        )


@case(
    "LOGIN-REJECT-06",
    "Credentials in the query string of a GET do not log in",
    sends="GET on the login path with username and password as query parameters",
    requirement="Token requests use POST; credentials in a URL (logged everywhere) are refused.",
    spec="RFC 6749 §3.2 (token endpoint: MUST use POST)",
    quote=quotes.LOGIN_REJECT_06,
    overlaps=True,
)
async def no_get_login(ctx: CaseContext) -> None:
    await ctx.login_control()
    login = ctx.profile.login
    query = ctx.login_payload()
    # The client authenticates as on a POST, so a refusal is about the method, not the client.
    response = await ctx.request(
        "GET", login.path + "?" + _urlencode(query), headers=ctx.client_headers(), kind="login"
    )
    ctx.expect_no_crash(response, "GET login with credentials in the query")
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.is_success and isinstance(body, dict) and login.access_token_field in body:
        raise CaseFailure("no token for credentials in a URL", describe(response))


@case(
    "LOGIN-CACHE-01",
    "The login answer forbids caching",
    sends="a successful login",
    requirement="A response carrying tokens has Cache-Control: no-store.",
    spec="RFC 6749 §5.1",
    quote=quotes.R6749_CACHE,
)
async def login_no_store(ctx: CaseContext) -> None:
    session = await ctx.login()
    cache_control = session.response.headers.get("cache-control", "")
    if "no-store" not in cache_control.lower():
        raise CaseFailure(
            "Cache-Control: no-store",
            f"Cache-Control: {cache_control or '(absent)'}",
            cause=NO_NO_STORE,
        )


@case(
    "LOGIN-CACHE-02",
    "The login answer carries Pragma: no-cache",
    sends="a successful login",
    requirement="A response carrying tokens has Pragma: no-cache, for HTTP/1.0 caches.",
    spec="RFC 6749 §5.1",
    level=Level.MUST,
    quote=quotes.R6749_CACHE,
)
async def login_pragma(ctx: CaseContext) -> None:
    session = await ctx.login()
    pragma = session.response.headers.get("pragma", "")
    if "no-cache" not in pragma.lower():
        raise CaseFailure("Pragma: no-cache", f"Pragma: {pragma or '(absent)'}")


@case(
    "LOGIN-FIELDS-01",
    "The token type is bearer",
    sends="a successful login",
    requirement="The token response names the token type, and it is 'bearer' (any case).",
    spec="RFC 6749 §5.1 (token_type REQUIRED); RFC 6750 §4",
    needs=("token_type",),
    quote=quotes.LOGIN_FIELDS_01,
)
async def token_type_bearer(ctx: CaseContext) -> None:
    session = await ctx.login()
    body = json_body(session.response, "login answer")
    value = body.get(ctx.profile.login.token_type_field)
    if not isinstance(value, str) or value.lower() != "bearer":
        raise CaseFailure(f"{ctx.profile.login.token_type_field} = 'bearer'", repr(value))


def _urlencode(query: dict[str, object]) -> str:
    from urllib.parse import urlencode

    return urlencode({name: str(value) for name, value in query.items()})
