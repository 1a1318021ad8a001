"""The hand-written HMAC JWS signs PyJWT's exact bytes and accepts only what PyJWT accepts."""

from __future__ import annotations

import base64
from typing import Any

import jwt
import pytest

from reference_server.jws import HmacJws
from reference_server.tokens import REQUIRED_CLAIMS

KEY = "k" * 64
CLAIMS: dict[str, Any] = {
    "sub": "alice",
    "type": "access",
    "jti": "j1",
    "sid": "s1",
    "iat": 1_900_000_000,
    "exp": 1_900_000_900,
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _pyjwt_accepts(token: str, algorithm: str) -> dict[str, Any] | None:
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            KEY,
            algorithms=[algorithm],
            options={
                "require": list(REQUIRED_CLAIMS),
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError:
        return None
    return payload


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
@pytest.mark.parametrize(
    "payload",
    [CLAIMS, {**CLAIMS, "sub": "zoë ✓"}, {**CLAIMS, "iss": "me", "aud": ["a", "b"]}, {"x": 1}],
)
def test_sign_gives_pyjwt_bytes(algorithm: str, payload: dict[str, Any]) -> None:
    assert HmacJws(KEY, algorithm, REQUIRED_CLAIMS).sign(payload) == jwt.encode(
        payload, KEY, algorithm=algorithm
    )


def _variants(token: str) -> list[str]:
    header, payload, signature = token.split(".")
    other_key = jwt.encode(CLAIMS, "x" * 64, algorithm="HS256")
    unsigned = jwt.encode(CLAIMS, None, algorithm="none")
    bare_header = _b64(b'{"alg":"HS256"}')
    return [
        token,
        f"{header}.{payload}.{signature[:-2]}",
        f"{header}.{payload}.{signature}=",
        f"{header}.{payload}",
        f"{header}.{payload}.{signature}.x",
        f"{header}.{_b64(b'[1]')}.{signature}",
        f"{bare_header}.{payload}.{signature}",
        other_key,
        unsigned,
        "é" + token,
        jwt.encode({**CLAIMS, "sub": 5}, KEY, algorithm="HS256"),
        jwt.encode({**CLAIMS, "jti": None}, KEY, algorithm="HS256"),
        jwt.encode({k: v for k, v in CLAIMS.items() if k != "sid"}, KEY, algorithm="HS256"),
        jwt.encode(CLAIMS, KEY, algorithm="HS256", headers={"kid": "1"}),
    ]


def test_accept_only_what_pyjwt_accepts_with_the_same_payload() -> None:
    fast = HmacJws(KEY, "HS256", REQUIRED_CLAIMS)
    tokens = _variants(jwt.encode(CLAIMS, KEY, algorithm="HS256"))
    accepted = [token for token in tokens if fast.accept(token) is not None]
    # The genuine token, also with its signature's padding (PyJWT reads the same bytes from
    # both); every other variant goes to PyJWT, which has the last word.
    assert accepted == [tokens[0], tokens[2]]
    for token in tokens:
        verdict = fast.accept(token)
        if verdict is not None:
            assert verdict == _pyjwt_accepts(token, "HS256")


def test_not_an_hmac_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="not an HMAC algorithm"):
        HmacJws(KEY, "RS256", REQUIRED_CLAIMS)
