"""ROBUST: odd, broken and oversized input is a 4xx, never a 5xx, and the target keeps serving."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from conformance.catalogue import quotes
from conformance.catalogue.case import Family
from conformance.context import CaseContext
from conformance.outcomes import HarnessError
from conformance.profile import Encoding
from conformance.verify import describe

FAMILY = Family("robustness", "Robustness")
case = FAMILY.case

UNICODE_NAMES = (
    "用户一",
    "👩‍💻🔑",
    "\u202euser1",
    "user1\u0000",
    "e\u0301\u0301\u0301",
    "\ud7ff\ue000",
)


async def still_serving(ctx: CaseContext, *, checked: bool = True) -> None:
    """After abuse, an ordinary login still works (the process and connection survived). The
    cases call `ctx.login_control()` before the abuse, so a refusal here is something the
    abuse did, not a login the suite never managed. Where staying up is not the case's
    requirement (`checked=False`), a refusal is a failed setup step: ERROR, not FAIL."""
    response = await ctx.login_response()
    if checked:
        ctx.expect_accepted(response, "an ordinary login afterwards")
    elif not response.is_success:
        raise HarnessError(
            f"an ordinary login after the case's request was refused ({describe(response)}); "
            "the target may not be serving any more"
        )


def form_body(pairs: list[tuple[str, str]]) -> bytes:
    return urlencode(pairs).encode()


FORM = "application/x-www-form-urlencoded"


async def post_raw(
    ctx: CaseContext,
    path: str,
    body: bytes,
    content_type: str,
    *,
    headers: dict[str, str] | None = None,
) -> None:
    response = await ctx.request(
        "POST", path, content=body, headers={**(headers or {}), "Content-Type": content_type}
    )
    ctx.expect_bad_request(response, f"POST {path} with {body[:40]!r}")


async def post_oversized(
    ctx: CaseContext,
    path: str,
    body: bytes,
    content_type: str,
    *,
    headers: dict[str, str] | None = None,
) -> None:
    """Like post_raw, but cutting the connection also counts as a refusal."""
    response = await ctx.oversized(
        "POST", path, content=body, headers={**(headers or {}), "Content-Type": content_type}
    )
    if response is not None:
        ctx.expect_bad_request(response, f"POST {path} with {len(body)} bytes")


@case(
    "ROBUST-LOGIN-01",
    "A login body that is not JSON is a 4xx",
    sends="login bodies 'not json', '{\"username\": ', '' with Content-Type: application/json",
    requirement="Malformed bodies are client errors.",
    spec="RFC 9110 §15.5.1 (400); issue: never 5xx",
    needs=("json_login",),
    quote=quotes.R9110_400,
    overlaps=True,
)
async def login_not_json(ctx: CaseContext) -> None:
    await ctx.login_control()
    for body in (b"not json", b'{"username": ', b""):
        await post_raw(ctx, ctx.profile.login.path, body, "application/json")


@case(
    "ROBUST-LOGIN-02",
    "A login body of the wrong JSON shape is a 4xx",
    sends='login bodies [], "user1", 42, null and {} as JSON',
    requirement="Bodies that are not the expected object are client errors.",
    spec="RFC 9110 §15.5.1; issue: never 5xx",
    needs=("json_login",),
    quote=quotes.R9110_400,
    overlaps=True,
)
async def login_wrong_shape(ctx: CaseContext) -> None:
    await ctx.login_control()
    for body in (b"[]", b'"user1"', b"42", b"null", b"{}"):
        await post_raw(ctx, ctx.profile.login.path, body, "application/json")


@case(
    "ROBUST-LOGIN-03",
    "Login fields missing or of the wrong type are refused",
    sends="login without the password field, without the username field, and with each "
    "field as a number, null, a list and an object",
    requirement="Missing or mistyped credentials are refused (4xx), never a token, never a 5xx.",
    spec="RFC 6749 §5.2 (invalid_request); issue: never 5xx; RFC 9110 §15.5.1",
    quote=quotes.R9110_400,
    overlaps=True,
)
async def login_fields(ctx: CaseContext) -> None:
    await ctx.login_control()
    login = ctx.profile.login
    good = ctx.login_payload()
    # Each body is the good one (constant fields and client credentials included) with one
    # thing wrong, so a refusal is about that thing.
    bodies: list[dict[str, object]] = [
        {k: v for k, v in good.items() if k != login.password_field},
        {k: v for k, v in good.items() if k != login.username_field},
    ]
    if login.encoding == "json":
        for field in (login.username_field, login.password_field):
            bodies += [{**good, field: value} for value in (42, None, ["x"], {"x": 1})]
    for body in bodies:
        response = await ctx.send_login(body)
        ctx.expect_bad_request(response, f"login with {json.dumps(body)[:60]}")


@case(
    "ROBUST-LOGIN-04",
    "Login with the wrong content type does not crash",
    sends="the credentials as JSON labelled text/plain, and as a form to a JSON login "
    "(or JSON to a form login)",
    requirement="A mislabelled body is refused or understood, never a 5xx.",
    spec="RFC 9110 §15.5.16 (415); issue: never 5xx",
    quote=quotes.ROBUST_LOGIN_04,
    overlaps=True,
)
async def login_content_type(ctx: CaseContext) -> None:
    path = ctx.profile.login.path
    payload = ctx.login_payload()
    headers = {**ctx.client_headers(), "Content-Type": "text/plain"}
    response = await ctx.request(
        "POST", path, content=json.dumps(payload).encode(), headers=headers
    )
    ctx.expect_no_crash(response, "JSON body labelled text/plain")
    other: Encoding = "form" if ctx.profile.login.encoding == "json" else "json"
    response = await ctx.send_body("POST", path, payload, other, headers=ctx.client_headers())
    ctx.expect_no_crash(response, "body in the other encoding")


@case(
    "ROBUST-LOGIN-05",
    "Unicode in credentials is refused cleanly",
    sends="logins with CJK, emoji, right-to-left override, NUL, combining marks as usernames "
    "and passwords",
    requirement="Any Unicode is a failed login at worst, never a 5xx.",
    spec="RFC 8725 §3.7 (UTF-8); RFC 8265 (PRECIS); issue: never 5xx; RFC 9110 §15.6",
    quote=quotes.R9110_5XX,
    overlaps=True,
)
async def login_unicode(ctx: CaseContext) -> None:
    await ctx.login_control()
    # A NUL or a lone combining mark may be refused as malformed (400/422) rather than as a
    # failed login: either refusal is correct; only a token or a 5xx is not.
    pairs = [pair for name in UNICODE_NAMES for pair in ((name, None), (None, name))]
    answers = ctx.login_responses(pairs)
    for username, password in pairs:
        response = await anext(answers)
        what = f"username {username!r}" if password is None else f"password {password!r}"
        ctx.expect_bad_request(response, what)


@case(
    "ROBUST-LOGIN-06",
    "Invalid UTF-8 and deep nesting in a login body are 4xx",
    sends="a login body with bytes that are not UTF-8, and one nested 20000 levels deep",
    requirement="Undecodable or pathological JSON is a client error, not a crash.",
    spec="RFC 8259 §8.1, §9; issue: never 5xx",
    needs=("json_login",),
    quote=quotes.R9110_400,
    overlaps=True,
)
async def login_pathological(ctx: CaseContext) -> None:
    await ctx.login_control()
    path = ctx.profile.login.path
    await post_raw(ctx, path, b'{"username": "\xff\xfe", "password": "x"}', "application/json")
    await post_raw(ctx, path, b"[" * 20_000 + b"]" * 20_000, "application/json")


@case(
    "ROBUST-SIZE-01",
    "A huge login body is refused and the target keeps serving",
    sends="a 2 MB login body, then an ordinary login",
    requirement="Oversized bodies are refused (413 or another 4xx, or the connection is cut), "
    "and the server stays up.",
    spec="RFC 9110 §15.5.14 (413); issue: never 5xx, connection survives",
    quote=quotes.ROBUST_SIZE_01,
    overlaps=True,
)
async def huge_body(ctx: CaseContext) -> None:
    await ctx.login_control()
    login = ctx.profile.login
    payload = ctx.login_payload(username="a" * 2_000_000, password="x")
    if login.encoding == "json":
        body, content_type = json.dumps(payload).encode(), "application/json"
    else:
        body, content_type = form_body(list(payload.items())), FORM
    response = await ctx.oversized(
        "POST",
        login.path,
        content=body,
        headers={**ctx.client_headers(), "Content-Type": content_type},
    )
    if response is not None:
        ctx.expect_bad_request(response, f"a {len(body)}-byte login")
    await still_serving(ctx)


@case(
    "ROBUST-SIZE-02",
    "A long username is refused cleanly",
    sends="a login whose username is 20000 characters",
    requirement="Long fields are a failed login or a 4xx, never a 5xx.",
    spec="issue: never 5xx; RFC 9110 §15.6",
    quote=quotes.R9110_5XX,
    overlaps=True,
)
async def long_username(ctx: CaseContext) -> None:
    await ctx.login_control()
    response = await ctx.login_response(username="u" * 20_000)
    ctx.expect_bad_request(response, "login with a 20000-character username")


@case(
    "ROBUST-SIZE-03",
    "A huge Authorization header is refused and the target keeps serving",
    sends="GET protected with a 64 KB bearer token, then an ordinary login",
    requirement="An oversized header is a 4xx (400/401/431), and the server stays up.",
    spec="RFC 6585 §5 (431); issue: never 5xx, connection survives",
    quote=quotes.ROBUST_SIZE_03,
    overlaps=True,
)
async def huge_header(ctx: CaseContext) -> None:
    await ctx.login_control()
    response = await ctx.oversized(
        "GET", ctx.profile.protected_paths[0], headers={"Authorization": "Bearer " + "a" * 65_536}
    )
    if response is not None:
        ctx.expect_bad_request(response, "64 KB bearer token")
    await still_serving(ctx)


@case(
    "ROBUST-SIZE-04",
    "A huge refresh token is refused cleanly",
    sends="a refresh with a 1 MB token",
    requirement="An oversized refresh token is a 4xx, never a 5xx.",
    spec="RFC 9110 §15.5.14; issue: never 5xx",
    quote=quotes.ROBUST_SIZE_01,
    overlaps=True,
)
async def huge_refresh(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    token = "a" * 1_000_000
    spec = ctx.profile.refresh
    if spec.transport in ("json", "form"):
        payload = ctx.refresh_payload(token)
        if spec.transport == "json":
            body, content_type = json.dumps(payload).encode(), "application/json"
        else:
            body, content_type = form_body(list(payload.items())), FORM
        await post_oversized(ctx, spec.path, body, content_type, headers=ctx.client_headers())
    else:
        ctx.expect_bad_request(await ctx.refresh_response(token), "1 MB refresh token")
    await still_serving(ctx, checked=False)


@case(
    "ROBUST-REFRESH-01",
    "An empty refresh body is a 4xx",
    sends="POST refresh with a body that has everything but the token (for a JSON endpoint {} "
    "plus any constant fields, for a form one the form without the token field), and no "
    "token anywhere",
    requirement="A missing field is a client error (the seed's data['refresh_token'] is a 500).",
    spec="RFC 6749 §5.2 (invalid_request); seed design's fault (KeyError)",
    quote=quotes.R6749_400,
)
async def refresh_empty(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    payload = ctx.refresh_payload(None)
    del payload[ctx.profile.refresh.field]
    response = await ctx.send_refresh_body(payload)
    ctx.expect_bad_request(response, f"POST refresh {json.dumps(payload)[:60]}")


@case(
    "ROBUST-REFRESH-02",
    "A refresh token of the wrong JSON type is a 4xx",
    sends="JSON refresh bodies where the token field is a number, null, a list, an object, "
    "true; form refresh bodies with the token field twice, or named with brackets",
    requirement="Mistyped fields are client errors, never a 5xx.",
    spec="RFC 6749 §5.2; issue: never 5xx",
    needs=("body_refresh",),
    quote=quotes.R6749_400,
)
async def refresh_types(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    spec = ctx.profile.refresh
    if spec.transport == "json":
        for value in (42, None, ["x"], {"x": 1}, True):
            response = await ctx.send_refresh_body(ctx.refresh_payload(value))
            ctx.expect_bad_request(response, f"refresh with {spec.field} = {value!r}")
        return
    # A form has no types; its ways to be wrong are a repeated parameter (RFC 6749 §3.2: MUST
    # NOT be included more than once) and PHP-style array names.
    session = await ctx.login()
    constant = [(k, v) for k, v in ctx.refresh_payload(None).items() if k != spec.field]
    for pairs, what in (
        ([*constant, (spec.field, session.refresh), (spec.field, "x")], "the token field twice"),
        ([*constant, (spec.field + "[]", session.refresh)], f"the field {spec.field}[]"),
    ):
        response = await ctx.request(
            "POST",
            spec.path,
            content=form_body(pairs),
            headers={**ctx.client_headers(), "Content-Type": FORM},
        )
        ctx.expect_bad_request(response, f"refresh form with {what}")


@case(
    "ROBUST-REFRESH-03",
    "A refresh body that is not JSON is a 4xx",
    sends="to a JSON refresh endpoint: 'not json', invalid UTF-8 and a JSON array, as "
    "application/json; to a form one: a broken percent-escape and invalid UTF-8 in the token",
    requirement="Malformed bodies are client errors.",
    spec="RFC 9110 §15.5.1; issue: never 5xx",
    needs=("body_refresh",),
    quote=quotes.R9110_400,
)
async def refresh_not_json(ctx: CaseContext) -> None:
    await ctx.refresh_control()
    spec = ctx.profile.refresh
    headers = ctx.client_headers()
    if spec.transport == "json":
        field = json.dumps(spec.field).encode()
        for body in (b"not json", b"{" + field + b': "\xff"}', b"[]"):
            await post_raw(ctx, spec.path, body, "application/json", headers=headers)
        return
    constant = form_body([(k, v) for k, v in ctx.refresh_payload(None).items() if k != spec.field])
    name = quote(spec.field).encode()
    for broken in (name + b"=%zz%", name + b"=%ff%fe"):
        body = constant + b"&" + broken if constant else broken
        await post_raw(ctx, spec.path, body, FORM, headers=headers)


@case(
    "ROBUST-HEADER-01",
    "Non-ASCII bytes in the Authorization header are refused cleanly",
    sends="Authorization headers with Latin-1 and UTF-8 bytes in the token",
    requirement="Undecodable credentials are a 4xx, never a 5xx.",
    spec="RFC 9110 §5.5; RFC 6750 §2.1 (b64token); issue: never 5xx",
    quote=quotes.R6750_GRAMMAR,
)
async def header_bytes(ctx: CaseContext) -> None:
    path = ctx.profile.protected_paths[0]
    for value in (b"Bearer \xff\xfe\xfd", "Bearer 用户.令牌.签名".encode()):
        response = await ctx.request("GET", path, headers=[(b"Authorization", value)])
        ctx.expect_bad_request(response, f"Authorization: {value!r}")


@case(
    "ROBUST-TOKEN-01",
    "Tokens with odd characters are refused cleanly",
    sends="bearer tokens '%00', a quoted token, and the access token with a doubled dot",
    requirement="Odd token text is a rejection, never a 5xx.",
    spec="RFC 6750 §2.1; RFC 7515 §2; issue: never 5xx",
    quote=quotes.R6750_GRAMMAR,
)
async def odd_tokens(ctx: CaseContext) -> None:
    session = await ctx.login()
    await ctx.access_control(session)
    # '%' and '"' are outside the b64token grammar, so 400 invalid_request is a correct refusal
    # of those two; the doubled dot is grammatical, just not a JWS.
    for token in ("%00", f'"{session.access}"'):
        ctx.expect_rejected(await ctx.protected(token), f"token {token[:30]!r}", malformed=True)
    doubled = session.access.replace(".", "..", 1)
    ctx.expect_rejected(await ctx.protected(doubled), "token with a doubled dot")


@case(
    "ROBUST-PATH-01",
    "A very long URL under a protected path is handled",
    sends="GET on the protected path with 8 KB of path appended, with and without a token",
    requirement="Long URLs get a 4xx (404/414/401), never a 5xx.",
    spec="RFC 9110 §15.5.15 (414); issue: never 5xx",
    quote=quotes.ROBUST_PATH_01,
)
async def long_path(ctx: CaseContext) -> None:
    session = await ctx.login()
    path = ctx.profile.protected_paths[0].rstrip("/") + "/" + "x" * 8192
    ctx.expect_no_crash(await ctx.protected(None, path), "long URL without a token")
    ctx.expect_no_crash(await ctx.protected(session.access, path), "long URL with a token")


@case(
    "ROBUST-METHOD-01",
    "Unexpected methods are refused cleanly",
    sends="PUT, DELETE and PATCH on the login, refresh and protected paths",
    requirement="A method a path does not support is a 4xx (405), never a 5xx, never a token.",
    spec="RFC 9110 §15.5.6 (405); issue: never 5xx",
    quote=quotes.ROBUST_METHOD_01,
)
async def methods(ctx: CaseContext) -> None:
    paths = (ctx.profile.login.path, ctx.profile.refresh.path, ctx.profile.protected_paths[0])
    for path in paths:
        for method in ("PUT", "DELETE", "PATCH"):
            response = await ctx.request(method, path)
            ctx.expect_bad_request(response, f"{method} {path}")


@case(
    "ROBUST-LOGOUT-01",
    "A malformed logout body does not crash",
    sends="each logout request with a valid access token and the body 'not json'",
    requirement="Malformed logout requests are refused or ignored, never a 5xx.",
    spec="RFC 7009 §2.2.1; issue: never 5xx; RFC 9110 §15.5.1",
    needs=("logout",),
    quote=quotes.R9110_400,
)
async def logout_garbage_body(ctx: CaseContext) -> None:
    session = await ctx.login()
    for step in ctx.profile.logout:
        response = await ctx.request(
            step.method,
            step.path,
            content=b"not json",
            headers={
                "Authorization": f"Bearer {session.access}",
                "Content-Type": "application/json",
            },
        )
        ctx.expect_no_crash(response, f"{step.method} {step.path} with 'not json'")
