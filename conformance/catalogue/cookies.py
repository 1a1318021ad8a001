"""COOKIE: a refresh token in a cookie is out of reach of scripts and sent only where needed."""

from __future__ import annotations

import httpx

from conformance.catalogue import quotes
from conformance.catalogue.case import Family, Level
from conformance.context import CaseContext
from conformance.outcomes import CaseFailure
from conformance.verify import SetCookie, describe, json_body, set_cookies, verify_rejected

FAMILY = Family("cookie", "Refresh-token cookie")
case = FAMILY.case


async def login_cookies(ctx: CaseContext) -> list[SetCookie]:
    response = await ctx.login_response()
    ctx.expect_accepted(response, "login")
    cookies = [c for c in set_cookies(response, ctx.profile.refresh.field) if c.value]
    if not cookies:
        raise CaseFailure(
            f"Set-Cookie: {ctx.profile.refresh.field}=<refresh token>",
            "; ".join(c.raw for c in set_cookies(response)) or "no Set-Cookie",
        )
    return cookies


def each(cookies: list[SetCookie], attribute: str, wanted: str) -> None:
    for cookie in cookies:
        if not cookie.has(attribute):
            raise CaseFailure(wanted, cookie.raw)


@case(
    "COOKIE-SET-01",
    "Login sets the refresh cookie, and refresh reads it",
    sends="a login, then a refresh sending only the cookie",
    requirement="In cookie mode the refresh token arrives and travels as the declared cookie.",
    spec="seed design (HttpOnly cookie storage); RFC 6265 §4.1",
    needs=("cookie",),
    quote=quotes.COOKIE_SET_01,
)
async def cookie_set(ctx: CaseContext) -> None:
    cookies = await login_cookies(ctx)
    ctx.expect_accepted(await ctx.refresh_response(cookies[0].value), "refresh with the cookie")


@case(
    "COOKIE-SET-02",
    "The refresh token is not also in the JSON body",
    sends="a login",
    requirement="A token kept from scripts by HttpOnly must not be handed to them in the body.",
    spec="seed design (HttpOnly cookie); RFC 9700 §4.14",
    level=Level.SHOULD,
    needs=("cookie",),
    quote=quotes.COOKIE_SET_02,
)
async def not_in_body(ctx: CaseContext) -> None:
    response = await ctx.login_response()
    cookies = [c.value for c in set_cookies(response, ctx.profile.refresh.field) if c.value]
    body = json_body(response, "login answer")
    leaked = [name for name, value in body.items() if isinstance(value, str) and value in cookies]
    if leaked:
        raise CaseFailure("no refresh token in the body", f"body field(s) {', '.join(leaked)}")


@case(
    "COOKIE-ATTR-01",
    "The refresh cookie is HttpOnly",
    sends="a login",
    requirement="Scripts cannot read the refresh cookie.",
    spec="seed design (HttpOnly cookie); RFC 6265 §4.1.2.6; OWASP ASVS v4.0.3 3.4.2",
    needs=("cookie",),
    quote=quotes.COOKIE_ATTR_01,
)
async def httponly(ctx: CaseContext) -> None:
    each(await login_cookies(ctx), "httponly", "HttpOnly on every refresh cookie")


@case(
    "COOKIE-ATTR-02",
    "The refresh cookie is Secure",
    sends="a login",
    requirement="The refresh cookie is only sent over HTTPS.",
    spec="RFC 6265 §4.1.2.5; RFC 9700 §4.14; OWASP ASVS v4.0.3 3.4.1",
    level=Level.MUST,
    needs=("cookie",),
    quote=quotes.COOKIE_ATTR_02,
)
async def secure(ctx: CaseContext) -> None:
    each(await login_cookies(ctx), "secure", "Secure on every refresh cookie")


@case(
    "COOKIE-ATTR-03",
    "The refresh cookie is SameSite Strict or Lax",
    sends="a login",
    requirement="The refresh cookie is not sent on cross-site requests.",
    spec="RFC 6265bis §4.1.2.7 (SameSite); OWASP ASVS v4.0.3 3.4.3",
    level=Level.MUST,
    needs=("cookie",),
    quote=quotes.COOKIE_ATTR_03,
)
async def samesite(ctx: CaseContext) -> None:
    for cookie in await login_cookies(ctx):
        if cookie.get("samesite").lower() not in ("strict", "lax"):
            raise CaseFailure("SameSite=Strict or SameSite=Lax", cookie.raw)


@case(
    "COOKIE-ATTR-04",
    "The refresh cookie is scoped away from the API",
    sends="a login",
    requirement="The cookie's Path keeps it off protected paths: it goes to refresh (and "
    "logout) only.",
    spec="RFC 6265 §4.1.2.4, §5.1.4; OWASP ASVS v4.0.3 3.4.5",
    level=Level.SHOULD,
    needs=("cookie",),
    quote=quotes.COOKIE_ATTR_04,
)
async def scoped(ctx: CaseContext) -> None:
    for cookie in await login_cookies(ctx):
        path = cookie_path(cookie, ctx.profile.login.path)
        exposed = [p for p in ctx.profile.protected_paths if _path_matches(p, path)]
        if exposed:
            raise CaseFailure(
                "a Path that excludes the protected paths", f"{cookie.raw} (sent to {exposed[0]})"
            )


def cookie_path(cookie: SetCookie, set_at: str) -> str:
    """The cookie's path: its Path attribute when it starts with "/", else the default-path of
    the request that set it (RFC 6265 §5.2.4, §5.1.4: up to, not including, its last "/")."""
    path = cookie.get("path")
    if path.startswith("/"):
        return path
    directory = set_at.split("?", 1)[0].rpartition("/")[0]
    return directory or "/"


def _path_matches(request_path: str, cookie_path: str) -> bool:
    # RFC 6265 §5.1.4 path-match.
    if request_path == cookie_path:
        return True
    if request_path.startswith(cookie_path):
        return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    return False


@case(
    "COOKIE-ATTR-05",
    "The refresh cookie does not outlive the refresh token",
    sends="a login",
    requirement="Max-Age (if any) is no longer than the refresh token's lifetime.",
    spec="RFC 6265 §4.1.2.2; seed design (refresh lifetime)",
    level=Level.SHOULD,
    needs=("cookie",),
    quote=quotes.COOKIE_ATTR_05,
)
async def max_age(ctx: CaseContext) -> None:
    for cookie in await login_cookies(ctx):
        value = cookie.get("max-age")
        if value.isdigit() and int(value) > ctx.profile.lifetimes.refresh + 1:
            raise CaseFailure(f"Max-Age <= {ctx.profile.lifetimes.refresh}", cookie.raw)


@case(
    "COOKIE-LOGOUT-01",
    "Logout clears the refresh cookie",
    sends="a login, then the logout request(s)",
    requirement="Logout tells the browser to drop the refresh cookie.",
    spec="RFC 6265 §3.1 (expiring a cookie); seed design (logout clears tokens)",
    level=Level.SHOULD,
    needs=("cookie", "logout"),
    quote=quotes.COOKIE_LOGOUT_01,
)
async def cleared(ctx: CaseContext) -> None:
    session = await ctx.login()
    responses = await ctx.logged_out(session)
    cleared = [c for r in responses for c in set_cookies(r, ctx.profile.refresh.field) if c.clears]
    if not cleared:
        raise CaseFailure(
            f"Set-Cookie: {ctx.profile.refresh.field}=; Max-Age=0 (or a past Expires)",
            "; ".join(c.raw for r in responses for c in set_cookies(r)) or "no Set-Cookie",
        )


# What a browser adds to a request that a page on a sibling subdomain makes (an <img>, a
# no-cors fetch): same-site, so SameSite=Strict does not keep the cookies off it (RFC 6265bis
# §5.2 defines "site" by the registrable domain), and no Origin (browsers send none on a no-cors
# GET). A server that refuses requests by these Fetch Metadata headers does take a precaution.
SAME_SITE_FORGERY = {
    "Sec-Fetch-Site": "same-site",
    "Sec-Fetch-Mode": "no-cors",
    "Sec-Fetch-Dest": "empty",
}


def _cookie_header(cookies: list[SetCookie]) -> str:
    pairs = dict.fromkeys(f"{c.name}={c.value}" for c in cookies)
    return "; ".join(pairs)


@case(
    "COOKIE-CSRF-01",
    "A login's cookies alone do not open a protected path",
    sends="a login; then, for each protected path, a GET with the access token in the header "
    "(the control) and a GET with no Authorization header and only the cookies the login set",
    requirement="A protected path takes its credential from the Authorization header, never "
    "from a cookie the browser attaches by itself: otherwise any page that makes the browser "
    "send a request acts as the user (cross-site request forgery).",
    spec="RFC 6750 §5.3 (bearer tokens in cookies); RFC 6749 §1.5 (refresh tokens are never "
    "sent to resource servers)",
    needs=("cookie",),
    quote=quotes.COOKIE_CSRF_01,
)
async def cookie_alone_refused(ctx: CaseContext) -> None:
    session = await ctx.login()
    cookies = [c for c in set_cookies(session.response) if c.value]
    ctx.premise(bool(cookies), "the login sets the refresh cookie", "COOKIE-SET-01")
    rejection = ctx.profile.rejection
    statuses = tuple(dict.fromkeys((*rejection.missing, *rejection.statuses)))
    for path in ctx.profile.protected_paths:
        await ctx.access_control(session, path)
        # The cookies a browser attaches to this path (RFC 6265 §5.4: those whose Path
        # path-matches it) are the forgery's; the others are tried too, but a server that would
        # take them is only kept safe by their Path, a SHOULD-level finding.
        login_path = ctx.profile.login.path
        attached = [c for c in cookies if _path_matches(path, cookie_path(c, login_path))]
        scoped_away = [c for c in cookies if c not in attached]
        if attached:
            response = await _cookies_only(ctx, path, attached)
            if response.is_success:
                raise CaseFailure(
                    f"GET {path} with only the cookie(s) {_names(attached)} refused: a browser "
                    "attaches them to a request any page on the same site makes",
                    f"accepted: {describe(response)}",
                )
            ctx.note(verify_rejected(response, statuses, rejection.tolerated, f"GET {path}"))
        if scoped_away:
            response = await _cookies_only(ctx, path, cookies)
            if response.is_success:
                ctx.note(
                    f"GET {path} with only the cookie(s) {_names(cookies)} was accepted "
                    f"({describe(response)[:80]}); only their Path keeps browsers from "
                    f"attaching {_names(scoped_away)} to it"
                )
                continue
            ctx.note(verify_rejected(response, statuses, rejection.tolerated, f"GET {path}"))


async def _cookies_only(ctx: CaseContext, path: str, cookies: list[SetCookie]) -> httpx.Response:
    headers = {**SAME_SITE_FORGERY, "Cookie": _cookie_header(cookies)}
    return await ctx.request("GET", path, headers=headers)


def _names(cookies: list[SetCookie]) -> str:
    return ", ".join(dict.fromkeys(c.name for c in cookies))
