"""A run leaves no live session behind: at the end it logs out every session it opened (after
refreshing one whose access token expired), and that does not touch any verdict."""

from __future__ import annotations

import asyncio
import re

import httpx

from conformance.embedded import reference_app
from conformance.outcomes import Outcome
from conformance.profile import default_profile_path, load_profile
from conformance.runner import run_suite, select_cases

PROFILE = load_profile(default_profile_path())
REFRESH_TOKEN = re.compile(r'"refresh_token"\s*:\s*"([^"]+)"')


async def _accepted(app: httpx.ASGITransport, tokens: list[str]) -> list[str]:
    """The refresh tokens the app still takes, and whether a login made now is taken."""
    async with httpx.AsyncClient(transport=app, base_url="http://testserver") as client:
        login = await client.post("/login", json={"username": "user1", "password": "password123"})
        live = []
        for token in [*tokens, login.json()["refresh_token"]]:
            response = await client.post("/refresh", json={"refresh_token": token})
            if response.is_success:
                live.append(token)
    return live


def test_every_session_of_a_run_is_logged_out_at_its_end() -> None:
    app = reference_app()
    suite = run_suite(PROFILE, cases=select_cases(["LOGIN-OK", "BEARER-", "JWT-SIG"]), app=app)
    assert {r.outcome for r in suite.results} <= {Outcome.PASS, Outcome.SKIP}
    issued = sorted(
        {
            token
            for result in suite.results
            for exchange in result.exchanges
            for token in REFRESH_TOKEN.findall(exchange.response_body.decode())
        }
    )
    print(f"\n{suite.sessions_opened} sessions, {suite.sessions_logged_out} logged out at the end")
    assert len(issued) >= 10
    assert suite.sessions_logged_out >= 10
    live = asyncio.run(_accepted(httpx.ASGITransport(app=app), issued))
    # Only the control login made after the run: the check can see a live session.
    assert len(live) == 1
    assert live[0] not in issued
