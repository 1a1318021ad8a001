"""CORS: no foreign origin may read token responses with credentials (the seed's CORS fault)."""

from __future__ import annotations

from conformance.catalogue import quotes
from conformance.catalogue.case import Family
from conformance.context import CaseContext
from conformance.outcomes import CaseFailure

FAMILY = Family("cors", "Cross-origin access")
case = FAMILY.case

EVIL = "https://evil.example"


def check_not_reflected(ctx: CaseContext, headers: dict[str, str], what: str) -> None:
    origin = headers.get("access-control-allow-origin", "")
    credentials = headers.get("access-control-allow-credentials", "").lower() == "true"
    if credentials and origin in (EVIL, "*"):
        raise CaseFailure(
            f"{what}: no credentialed CORS grant to {EVIL}",
            f"Access-Control-Allow-Origin: {origin}; Access-Control-Allow-Credentials: true",
        )


@case(
    "CORS-01",
    "A foreign origin gets no credentialed access to the token endpoints",
    sends=f"a preflight (OPTIONS) and a POST with Origin: {EVIL} to login and refresh",
    requirement="The target does not grant an arbitrary origin credentialed access "
    "(reflecting any Origin with Allow-Credentials: true hands tokens to any site).",
    spec="Fetch Standard §3.2 (CORS protocol); seed design's fault (allow_origins=['*'] "
    "with allow_credentials=True)"
    "; OWASP ASVS v4.0.3 14.5.3",
    quote=quotes.CORS_01,
    overlaps=True,
)
async def no_reflection(ctx: CaseContext) -> None:
    for path in (ctx.profile.login.path, ctx.profile.refresh.path):
        preflight = await ctx.request(
            "OPTIONS",
            path,
            headers={
                "Origin": EVIL,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        ctx.expect_no_crash(preflight, f"OPTIONS {path}")
        check_not_reflected(ctx, dict(preflight.headers), f"OPTIONS {path}")
    response = await ctx.send_login(ctx.login_payload(), headers={"Origin": EVIL})
    check_not_reflected(ctx, dict(response.headers), f"POST {ctx.profile.login.path}")
