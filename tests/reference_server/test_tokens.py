"""TokenService: claims, lifetimes, the pinned algorithm, required claims and hostile payloads."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest

from reference_server.config import DEV_SECRET
from reference_server.tokens import Claims, ExpiredTokenError, TokenError, TokenService
from tests.reference_server.flows import dev_token, sign_raw

NOW = 1_893_456_000


def service(**overrides: Any) -> TokenService:
    options: dict[str, Any] = {
        "key": DEV_SECRET,
        "algorithm": "HS256",
        "access_ttl": 900,
        "refresh_ttl": 604_800,
    }
    options.update(overrides)
    return TokenService(**options)


def good_claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "user1",
        "type": "access",
        "jti": "j1",
        "sid": "s1",
        "iat": NOW,
        "exp": NOW + 900,
    }
    claims.update(overrides)
    return claims


def test_claims_carry_the_lifetime_of_their_own_kind() -> None:
    tokens = service()
    access = tokens.claims_for(sub="u", kind="access", sid="s", now=NOW + 0.9)
    refresh = tokens.claims_for(sub="u", kind="refresh", sid="s", now=NOW + 0.9)
    assert (access.iat, access.exp) == (NOW, NOW + 900)
    assert (refresh.iat, refresh.exp) == (NOW, NOW + 604_800)


def test_every_token_gets_its_own_unguessable_jti() -> None:
    tokens = service()
    ids = {tokens.claims_for(sub="u", kind="access", sid="s", now=NOW).jti for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(jti) >= 22 for jti in ids)  # 128 bits in URL-safe base64


def test_encode_then_decode_gives_the_claims_back() -> None:
    tokens = service()
    claims = tokens.claims_for(sub="u", kind="refresh", sid="s", now=NOW)
    token = tokens.encode(claims)
    assert tokens.decode(token, expected="refresh", now=NOW) == claims
    assert tokens.encode(claims) == token  # deterministic: a grace replay re-sends these bytes
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


@pytest.mark.parametrize(("offset", "accepted"), [(899, True), (900, False), (10**6, False)])
def test_a_token_is_valid_strictly_before_exp(offset: int, accepted: bool) -> None:
    tokens = service()
    token = dev_token(good_claims())
    if accepted:
        assert tokens.decode(token, expected="access", now=NOW + offset).exp == NOW + 900
    else:
        with pytest.raises(ExpiredTokenError):
            tokens.decode(token, expected="access", now=NOW + offset)


def test_leeway_applies_to_exp_iat_and_nbf() -> None:
    tokens = service(leeway=30)
    token = dev_token(good_claims())
    assert tokens.decode(token, expected="access", now=NOW + 929)
    with pytest.raises(ExpiredTokenError):
        tokens.decode(token, expected="access", now=NOW + 930)
    assert tokens.decode(token, expected="access", now=NOW - 30)  # iat 30 s ahead: tolerated
    with pytest.raises(TokenError, match="future"):
        tokens.decode(token, expected="access", now=NOW - 31)
    not_yet = dev_token(good_claims(nbf=NOW + 40))
    assert tokens.decode(not_yet, expected="access", now=NOW + 10)
    with pytest.raises(TokenError, match="not valid yet"):
        tokens.decode(not_yet, expected="access", now=NOW + 9)


def test_a_token_issued_in_the_future_is_refused_without_leeway() -> None:
    with pytest.raises(TokenError, match="future"):
        service().decode(dev_token(good_claims(iat=NOW + 1)), expected="access", now=NOW)


def test_the_expected_type_is_enforced() -> None:
    tokens = service()
    with pytest.raises(TokenError, match="type"):
        tokens.decode(dev_token(good_claims(type="access")), expected="refresh", now=NOW)
    with pytest.raises(TokenError, match="type"):
        tokens.decode(dev_token(good_claims(type="refresh")), expected="access", now=NOW)
    with pytest.raises(TokenError, match="type"):
        tokens.decode(dev_token(good_claims(type="id")), expected="access", now=NOW)


@pytest.mark.parametrize("missing", ["sub", "type", "jti", "sid", "iat", "exp"])
def test_every_claim_is_required(missing: str) -> None:
    claims = good_claims()
    del claims[missing]
    with pytest.raises(TokenError, match=missing):
        service().decode(dev_token(claims), expected="access", now=NOW)


@pytest.mark.parametrize(
    "claims",
    [
        good_claims(sub=""),
        good_claims(sub=42),
        good_claims(jti=None),
        good_claims(sid=["s"]),
        good_claims(type=1),
        good_claims(exp="tomorrow"),
        good_claims(exp=True),
        good_claims(iat=None),
        good_claims(nbf="now"),
    ],
)
def test_claims_of_the_wrong_json_type_are_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(TokenError):
        service().decode(dev_token(claims), expected="access", now=NOW)


@pytest.mark.parametrize(
    "time_claims",
    [
        '"exp": NaN, "iat": 1893456000',
        '"exp": Infinity, "iat": 1893456000',
        '"exp": -Infinity, "iat": 1893456000',
        '"exp": 1e400, "iat": 1893456000',
        '"exp": 1e300, "iat": 1893456000',
        '"exp": 99999999999999999999999999999, "iat": 1893456000',
        '"exp": 1893456900, "iat": NaN',
        '"exp": 1893456900, "iat": -1e400',
        '"exp": 1893456900, "iat": 1893456000, "nbf": NaN',
    ],
)
def test_non_finite_or_absurd_times_are_refused_not_crashed_on(time_claims: str) -> None:
    payload = f'{{"sub": "user1", "type": "access", "jti": "j", "sid": "s", {time_claims}}}'
    with pytest.raises(TokenError):
        service().decode(sign_raw(payload.encode()), expected="access", now=NOW)


def test_alg_none_is_refused() -> None:
    unsigned = jwt.encode(good_claims(), None, algorithm="none")  # type: ignore[arg-type]
    assert unsigned.endswith(".")
    with pytest.raises(TokenError):
        service().decode(unsigned, expected="access", now=NOW)
    forged = sign_raw(json.dumps(good_claims()).encode(), header=b'{"alg":"none"}')
    with pytest.raises(TokenError):
        service().decode(forged, expected="access", now=NOW)


def test_only_the_pinned_algorithm_is_accepted() -> None:
    key = "k" * 64  # RFC 7518 §3.2: an HS512 key as long as the hash
    hs512_token = jwt.encode(good_claims(), key, algorithm="HS512")
    with pytest.raises(TokenError, match="algorithm"):
        service(key=key).decode(hs512_token, expected="access", now=NOW)
    hs512 = service(key=key, algorithm="HS512")
    token = hs512.encode(hs512.claims_for(sub="u", kind="access", sid="s", now=NOW))
    assert jwt.get_unverified_header(token)["alg"] == "HS512"
    assert hs512.decode(token, expected="access", now=NOW).sub == "u"


def test_a_token_signed_with_another_key_is_refused() -> None:
    token = jwt.encode(good_claims(), "another-key-that-is-long-enough-for-hmac", algorithm="HS256")
    with pytest.raises(TokenError, match="signature"):
        service().decode(token, expected="access", now=NOW)


def test_a_tampered_payload_is_refused() -> None:
    header, _, signature = dev_token(good_claims()).split(".")
    forged_payload = jwt.utils.base64url_encode(json.dumps(good_claims(sub="admin")).encode())
    forged = f"{header}.{forged_payload.decode()}.{signature}"
    with pytest.raises(TokenError, match="signature"):
        service().decode(forged, expected="access", now=NOW)


@pytest.mark.parametrize(
    "token",
    ["", "x", "a.b", "a.b.c", "....", "é.é.é", "\ud800.a.b", "eyJhbGciOiJIUzI1NiJ9.W10.", "\x00"],
)
def test_garbage_is_refused_as_malformed(token: str) -> None:
    with pytest.raises(TokenError):
        service().decode(token, expected="access", now=NOW)


def test_a_payload_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(TokenError):
        service().decode(sign_raw(b"[1, 2, 3]"), expected="access", now=NOW)
    with pytest.raises(TokenError):
        service().decode(sign_raw(b'"a string"'), expected="access", now=NOW)


def test_issuer_and_audience_are_required_and_checked_when_configured() -> None:
    tokens = service(issuer="https://issuer.example", audience="dualtoken")
    token = tokens.encode(tokens.claims_for(sub="u", kind="access", sid="s", now=NOW))
    assert tokens.decode(token, expected="access", now=NOW).sub == "u"
    for claims in (
        good_claims(),
        good_claims(iss="https://issuer.example"),
        good_claims(aud="dualtoken"),
        good_claims(iss="https://evil.example", aud="dualtoken"),
        good_claims(iss="https://issuer.example", aud="another"),
    ):
        with pytest.raises(TokenError):
            tokens.decode(dev_token(claims), expected="access", now=NOW)


def test_claims_are_a_plain_value() -> None:
    claims = Claims("u", "access", "j", "s", NOW, NOW + 900)
    assert claims == Claims("u", "access", "j", "s", NOW, NOW + 900)
