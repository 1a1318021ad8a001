"""Hand-written hostile requests, in-process: each gets the documented 4xx, never a 5xx.

Hostile *tokens* are signed with the dev secret, so they pass the signature check and reach the
claim checks behind it. Transport-level abuse (huge headers, raw bytes) is in test_live_server.py.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

import pytest

from tests.reference_server.flows import bearer, dev_token, running_api, sign_raw

pytestmark = pytest.mark.anyio

JSON = {"Content-Type": "application/json"}
# FastAPI answers 400 "There was an error parsing the body" when the body is not UTF-8 or nests
# too deeply for Python's parser; docs/reference-api.md promises 422 for malformed bodies.
UNPARSABLE = (400, 422)
CLAIMS = '"sub": "user1", "jti": "j", "sid": "s"'
GHOST = '"sub": "ghost", "jti": "j", "sid": "s"'
FAR = 4_102_444_800  # 2100-01-01


def token_with(payload: str, header: bytes = b'{"alg":"HS256","typ":"JWT"}') -> str:
    return sign_raw(payload.encode(), header=header)


@dataclass(frozen=True)
class Hostile:
    name: str
    method: str
    path: str
    status: int | tuple[int, ...]
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def refresh_with(token: str) -> bytes:
    return b'{"refresh_token": "' + token.encode() + b'"}'


HOSTILE_TOKENS = {
    "exp NaN": f'{{{CLAIMS}, "type": "%s", "iat": 1, "exp": NaN}}',
    "exp Infinity": f'{{{CLAIMS}, "type": "%s", "iat": 1, "exp": Infinity}}',
    "exp 1e400": f'{{{CLAIMS}, "type": "%s", "iat": 1, "exp": 1e400}}',
    "exp huge int": f'{{{CLAIMS}, "type": "%s", "iat": 1, "exp": {10**40}}}',
    "exp string": f'{{{CLAIMS}, "type": "%s", "iat": 1, "exp": "{FAR}"}}',
    "exp missing": f'{{{CLAIMS}, "type": "%s", "iat": 1}}',
    "iat NaN": f'{{{CLAIMS}, "type": "%s", "iat": NaN, "exp": {FAR}}}',
    "nbf Infinity": f'{{{CLAIMS}, "type": "%s", "iat": 1, "exp": {FAR}, "nbf": Infinity}}',
    "sub object": f'{{"sub": {{}}, "jti": "j", "sid": "s", "type": "%s", "iat": 1, "exp": {FAR}}}',
    "unknown user": f'{{{GHOST}, "type": "%s", "iat": 1, "exp": {FAR}}}',
    "payload array": "[%r]",
    "payload not json": "not json %s",
}


def hostile_token(name: str, kind: str) -> str:
    return token_with(HOSTILE_TOKENS[name] % kind)


ALG_NONE = (
    token_with(
        f'{{{CLAIMS}, "type": "access", "iat": 1, "exp": {FAR}}}', header=b'{"alg":"none"}'
    ).rsplit(".", 1)[0]
    + "."
)


def tampered(kind: str) -> str:
    """A genuine dev-secret token, long expired, whose payload was edited to expire in 2100.

    Accepted only by a server that skips the signature check.
    """
    claims = {"sub": "user1", "jti": "j", "sid": "s", "type": kind, "iat": 1, "exp": 2}
    header, _, signature = dev_token(claims).split(".")
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "exp": FAR}).encode())
    return f"{header}.{forged.rstrip(b'=').decode()}.{signature}"


CASES = [
    # /login bodies
    Hostile("login no body", "POST", "/login", 422),
    Hostile("login empty object", "POST", "/login", 422, b"{}", JSON),
    Hostile("login null", "POST", "/login", 422, b"null", JSON),
    Hostile("login array", "POST", "/login", 422, b"[]", JSON),
    Hostile("login not json", "POST", "/login", 422, b"username=user1", JSON),
    Hostile("login truncated json", "POST", "/login", 422, b'{"username": "us', JSON),
    Hostile("login invalid utf-8", "POST", "/login", UNPARSABLE, b'{"username": "\xff\xfe"}', JSON),
    Hostile("login utf-16", "POST", "/login", 422, '{"username":"a"}'.encode("utf-16"), JSON),
    Hostile("login missing password", "POST", "/login", 422, b'{"username": "user1"}', JSON),
    Hostile(
        "login number username", "POST", "/login", 422, b'{"username": 1, "password": "x"}', JSON
    ),
    Hostile(
        "login bool password", "POST", "/login", 422, b'{"username": "a", "password": true}', JSON
    ),
    Hostile("login NaN", "POST", "/login", 422, b'{"username": NaN, "password": "x"}', JSON),
    Hostile(
        "login lone surrogate",
        "POST",
        "/login",
        422,
        b'{"username": "a", "password": "\\ud800"}',
        JSON,
    ),
    Hostile(
        "login empty strings", "POST", "/login", 422, b'{"username": "", "password": ""}', JSON
    ),
    Hostile(
        "login huge username",
        "POST",
        "/login",
        422,
        b'{"username": "' + b"a" * 5000 + b'", "password": "x"}',
        JSON,
    ),
    Hostile(
        "login nul in password",
        "POST",
        "/login",
        401,
        b'{"username": "user1", "password": "a\\u0000b"}',
        JSON,
    ),
    Hostile(
        "login unicode",
        "POST",
        "/login",
        401,
        '{"username": "ユーザー", "password": "密码"}'.encode(),
        JSON,
    ),
    Hostile(
        "login extra fields",
        "POST",
        "/login",
        401,
        b'{"username": "user1", "password": "x", "admin": true}',
        JSON,
    ),
    Hostile(
        "login form encoded",
        "POST",
        "/login",
        422,
        b"username=user1&password=password123",
        {"Content-Type": "application/x-www-form-urlencoded"},
    ),
    Hostile(
        "login text/plain json",
        "POST",
        "/login",
        422,
        b'{"username": "user1", "password": "password123"}',
        {"Content-Type": "text/plain"},
    ),
    Hostile("login deep nesting", "POST", "/login", UNPARSABLE, b"[" * 5000 + b"]" * 5000, JSON),
    Hostile(
        "login huge body", "POST", "/login", 413, b'{"username": "' + b"a" * 70_000 + b'"}', JSON
    ),
    # /refresh bodies
    Hostile("refresh no body", "POST", "/refresh", 400),
    Hostile("refresh empty object", "POST", "/refresh", 400, b"{}", JSON),
    Hostile("refresh null token", "POST", "/refresh", 400, b'{"refresh_token": null}', JSON),
    Hostile("refresh number token", "POST", "/refresh", 422, b'{"refresh_token": 5}', JSON),
    Hostile("refresh list token", "POST", "/refresh", 422, b'{"refresh_token": ["a"]}', JSON),
    Hostile("refresh not json", "POST", "/refresh", 422, b"refresh_token=x", JSON),
    Hostile(
        "refresh invalid utf-8",
        "POST",
        "/refresh",
        UNPARSABLE,
        b'{"refresh_token": "\xc3\x28"}',
        JSON,
    ),
    Hostile(
        "refresh lone surrogate", "POST", "/refresh", 422, b'{"refresh_token": "\\udfff"}', JSON
    ),
    Hostile(
        "refresh garbage token", "POST", "/refresh", 401, b'{"refresh_token": "garbage"}', JSON
    ),
    Hostile("refresh oversized token", "POST", "/refresh", 422, refresh_with("a" * 9000), JSON),
    Hostile("refresh alg none", "POST", "/refresh", 401, refresh_with(ALG_NONE), JSON),
    Hostile(
        "refresh tampered payload", "POST", "/refresh", 401, refresh_with(tampered("refresh")), JSON
    ),
    Hostile("refresh huge body", "POST", "/refresh", 413, b" " * 70_000, JSON),
    *(
        Hostile(
            f"refresh token {name}",
            "POST",
            "/refresh",
            401,
            refresh_with(hostile_token(name, "refresh")),
            JSON,
        )
        for name in HOSTILE_TOKENS
    ),
    # Authorization headers
    Hostile(
        "protected bearer no token", "GET", "/protected", 400, headers={"Authorization": "Bearer"}
    ),
    Hostile(
        "protected bearer two tokens",
        "GET",
        "/protected",
        400,
        headers={"Authorization": "Bearer a b"},
    ),
    Hostile(
        "protected basic", "GET", "/protected", 401, headers={"Authorization": "Basic Zm9vOmJhcg=="}
    ),
    Hostile("protected alg none", "GET", "/protected", 401, headers=bearer(ALG_NONE)),
    Hostile(
        "protected tampered payload", "GET", "/protected", 401, headers=bearer(tampered("access"))
    ),
    Hostile("protected huge token", "GET", "/protected", 401, headers=bearer("a" * 60_000)),
    *(
        Hostile(
            f"protected token {name}",
            "GET",
            "/protected",
            401,
            headers=bearer(hostile_token(name, "access")),
        )
        for name in HOSTILE_TOKENS
    ),
    # /logout
    Hostile("logout no auth", "POST", "/logout", 401),
    Hostile(
        "logout garbage bearer",
        "POST",
        "/logout",
        401,
        b"{}",
        {**JSON, "Authorization": "Bearer x"},
    ),
    # routing
    Hostile("get login", "GET", "/login", 405),
    Hostile("delete protected", "DELETE", "/protected", 405),
    Hostile("unknown path", "GET", "/admin", 404),
    Hostile("unicode path", "GET", "/%F0%9F%94%91", 404),
    Hostile("public with junk query", "GET", "/public?%ff=%fe&a[]=1", 200),
    # test hooks (enabled here)
    Hostile("clock NaN", "POST", "/__test__/clock", 422, b'{"advance": NaN}', JSON),
    Hostile("clock -Infinity", "POST", "/__test__/clock", 422, b'{"set": -Infinity}', JSON),
    Hostile("clock not json", "POST", "/__test__/clock", 422, b"advance=1", JSON),
    Hostile(
        "user lone surrogate password",
        "PUT",
        "/__test__/users/x",
        422,
        b'{"password": "\\ud800"}',
        JSON,
    ),
    Hostile("user odd name", "POST", "/__test__/users/%00%ff/disable", 404),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_hostile_request_gets_the_documented_4xx(case: Hostile) -> None:
    async with running_api(test_clock=True, rotation=True, refresh_rate_limit=0) as api:
        response = await api.client.request(
            case.method, case.path, content=case.content, headers=case.headers
        )
    expected = case.status if isinstance(case.status, tuple) else (case.status,)
    assert response.status_code in expected, response.text
    if response.status_code in (400, 401, 413, 422):
        assert "detail" in response.json()


@pytest.mark.parametrize(
    "value",
    [b"Bearer \xc3\xa9\xc3\xa9", b"Bearer \xff\xfe\xfd", b"\xe2\x80\x8bBearer x", b"Bearer \x01"],
)
async def test_non_ascii_authorization_bytes_are_refused_cleanly(value: bytes) -> None:
    async with running_api() as api:
        response = await api.client.get("/protected", headers=[(b"authorization", value)])
    assert response.status_code in (400, 401)
