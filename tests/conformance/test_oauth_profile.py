"""The OAuth profile keys (issue 13): constant fields, client authentication, RFC 6749/6750 error
answers, a JWKS URL, a login throttle, pacing, and where a [restart] command learns the target."""

from __future__ import annotations

import asyncio
import base64
import json
import tomllib
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.context import CaseContext, Session
from conformance.forge import Forger
from conformance.jwks import public_pem
from conformance.profile import ProfileError, load_profile, parse_profile
from conformance.runner import _within
from conformance.target import Target, run_shell
from tests.conformance.case_context import with_case_context

MINIMAL = """
[target]
base_url = "http://127.0.0.1:9"
[credentials]
username = "u"
password = "p w"
[paths]
protected = ["/me"]
"""

OAUTH = """
[client]
id = "suite client"
secret = "s:e/c"
auth = "basic"
[login]
path = "/token"
encoding = "form"
[login.fields]
grant_type = "password"
[refresh]
path = "/token"
transport = "form"
[refresh.fields]
grant_type = "refresh_token"
[[logout]]
path = "/revoke"
bearer = "none"
refresh = "form"
field = "token"
fields = { token_type_hint = "refresh_token" }
[rejection]
oauth_errors = true
[login_throttle]
limit = 2
window = 0.3
"""


def parse(extra: str = "") -> Any:
    return parse_profile(tomllib.loads(MINIMAL + extra))


def test_oauth_keys_parse() -> None:
    profile = parse(OAUTH)
    assert profile.login.fields == {"grant_type": "password"}
    assert profile.refresh.fields == {"grant_type": "refresh_token"}
    assert profile.logout[0].fields == {"token_type_hint": "refresh_token"}
    assert (profile.client.id, profile.client.auth) == ("suite client", "basic")
    assert profile.rejection.oauth_errors
    assert (profile.login_throttle.limit, profile.login_throttle.window) == (2, 0.3)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[client]\nauth = 'basic'", "[client] id: auth = 'basic' needs a client id"),
        ("[client]\nid = 'c'\nauth = 'jwt'", "[client] auth: expected one of basic, body, none"),
        (
            "[refresh]\ntransport = 'bearer'\n[client]\nid = 'c'\nauth = 'basic'",
            "[client] auth: 'basic' uses the Authorization header",
        ),
        ("[login.fields]\ngrant_type = 1", "[login] fields: expected a table of strings"),
        ("[refresh]\ntransport = 'cookie'\n[refresh.fields]\na = 'b'", "[refresh.fields]"),
        ("[signing]\nalgorithm = 'RS256'\njwks_url = 'jwks.json'", "[signing] jwks_url"),
        ("[signing]\njwks_url = '/jwks'", "HS256 is an HMAC algorithm"),
        ("[login_throttle]\nwindow = 5", "[login_throttle] limit"),
    ],
)
def test_oauth_key_mistakes_are_named(extra: str, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse(extra)
    assert message in str(caught.value)


class Recorder:
    """An ASGI app that answers 200 (or `status`) and keeps every request it got."""

    def __init__(self, status: int = 200, body: dict[str, Any] | None = None) -> None:
        self.status, self.body = status, body or {"ok": True}
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.seen.append((scope["method"], scope["path"], headers, body))
        payload = json.dumps(self.body).encode()
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": payload})


def test_token_refresh_and_revocation_requests_carry_fields_and_client_auth() -> None:
    profile = parse(OAUTH)
    app = Recorder()

    async def use(ctx: CaseContext) -> None:
        await ctx.login_response()
        await ctx.refresh_response("rt")
        await ctx.refresh_response(None)
        await ctx.logout(Session("at", "rt", httpx.Response(200)))

    asyncio.run(with_case_context(profile, app, use))
    basic = "Basic " + base64.b64encode(b"suite%20client:s%3Ae%2Fc").decode()
    forms = [
        (path, headers.get("authorization"), body.decode()) for _, path, headers, body in app.seen
    ]
    assert forms == [
        ("/token", basic, "grant_type=password&username=u&password=p+w"),
        ("/token", basic, "grant_type=refresh_token&refresh_token=rt"),
        ("/token", basic, "grant_type=refresh_token"),
        ("/revoke", basic, "token_type_hint=refresh_token&token=rt"),
    ]


def test_body_client_auth_puts_the_credentials_in_the_form() -> None:
    profile = parse(OAUTH.replace('auth = "basic"', 'auth = "body"'))
    app = Recorder()
    asyncio.run(with_case_context(profile, app, lambda ctx: ctx.login_response()))
    _, _, headers, body = app.seen[0]
    assert "authorization" not in headers
    assert body.decode() == (
        "grant_type=password&client_id=suite+client&client_secret=s%3Ae%2Fc&username=u&password=p+w"
    )


def _response(status: int, body: bytes, authorization: str | None = None) -> httpx.Response:
    request = httpx.Request(
        "GET", "http://t/me", headers={"Authorization": authorization} if authorization else {}
    )
    return httpx.Response(status, content=body, request=request)


def test_oauth_errors_are_refusals_only_where_the_rfcs_say() -> None:
    profile = parse(OAUTH)
    ctx = CaseContext(profile, None, None, Forger(profile.signing))  # type: ignore[arg-type]
    grant = b'{"error": "invalid_grant"}'
    ctx.expect_login_rejected(_response(400, grant), "login")
    ctx.expect_refresh_rejected(_response(400, grant), "refresh")
    malformed = _response(400, b'{"error": "invalid_request"}', "Bearer a%00")
    ctx.expect_rejected(malformed, "malformed header")
    # Each of those is the refusal the RFCs name: no note, a clean PASS.
    assert ctx.notes == []
    # A well-formed token refused with 400 is not excused (RFC 6750: 401 invalid_token), nor is a
    # 400 without a standard error code: refusals with another habit, so notes (NON-STRICT).
    ctx.expect_rejected(_response(400, b'{"error": "invalid_request"}', "Bearer abc.def"), "x")
    ctx.expect_refresh_rejected(_response(400, b'{"error": "nope"}'), "refresh")
    assert len(ctx.notes) == 2
    # Without oauth_errors, an invalid_grant 400 is another habit too.
    plain = CaseContext(parse(), None, None, Forger(parse().signing))  # type: ignore[arg-type]
    plain.expect_login_rejected(_response(400, grant), "login")
    assert len(plain.notes) == 1


def test_failed_logins_are_paced_under_the_declared_throttle() -> None:
    profile = parse(OAUTH)
    app = Recorder(status=400, body={"error": "invalid_grant"})

    async def use(ctx: CaseContext) -> list[float]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        times = []
        for _ in range(5):
            await ctx.login_response(password="wrong")
            times.append(loop.time() - started)
        return times

    times = asyncio.run(with_case_context(profile, app, use))
    # Two failures per 0.3 s: the third and fifth wait for the window to move on, the second does
    # not (had it waited, it would land at 0.3 s or later; a busy machine may take 0.16 s anyway).
    assert times[1] < 0.3 and times[2] >= 0.3 and times[4] >= 0.6


def test_jwks_keys_become_the_public_pem_the_confusion_attack_uses() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    pem = public_pem(jwk)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    forger = Forger(parse("[signing]\nalgorithm = 'RS256'\njwks_url = '/jwks'").signing)
    forger.public_keys = {"other": "x", "k1": pem}
    assert forger.public_pem({"kid": "k1"}) == pem


def test_a_restart_command_learns_where_the_target_is(tmp_path: Path) -> None:
    profile = parse().with_base_url("http://127.0.0.1:8123")
    env = Target(profile).target_env()
    assert env == {"DUALTOKEN_TARGET_URL": "http://127.0.0.1:8123", "DUALTOKEN_TARGET_PORT": "8123"}
    out = tmp_path / "env"
    command = f'echo "$DUALTOKEN_TARGET_URL $DUALTOKEN_TARGET_PORT" > {out}'
    assert asyncio.run(run_shell(command, 10, env))[0] == 0
    assert out.read_text().strip() == "http://127.0.0.1:8123 8123"


def test_pacing_waits_do_not_count_against_a_case_deadline() -> None:
    class Waits:
        waited = 0.0

    pacer = Waits()

    async def paced_case() -> None:
        await asyncio.sleep(0.05)
        pacer.waited += 0.3  # as Pacer does before sleeping for a declared limit
        await asyncio.sleep(0.3)

    async def stuck_case() -> None:
        await asyncio.sleep(5)

    asyncio.run(_within(paced_case(), 0.1, pacer))  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        asyncio.run(_within(stuck_case(), 0.1, pacer))  # type: ignore[arg-type]


def test_the_worked_oauth_profile_parses() -> None:
    worked = Path(__file__).resolve().parents[2] / "docs" / "profiles" / "oauth-server.toml"
    profile = load_profile(worked)
    assert profile.client.auth == "basic" and profile.login.fields["grant_type"] == "password"
    assert profile.signing.jwks_url and not profile.signing.can_forge
    assert profile.rejection.oauth_errors and profile.login_throttle.limit == 4
