"""The forger keeps the issued JOSE header: an attack differs from the real token only in the
parameter it attacks (issue 13: a fresh {"alg", "typ": "JWT"} header dropped kid and typ)."""

from __future__ import annotations

import json

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.forge import Forger, decode_unverified, reheaded, unsigned
from conformance.profile import Signing

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
ISSUED_HEADER = {"kid": "key-2026", "typ": "at+jwt"}
CLAIMS = {"sub": "user1", "exp": 2_000_000_000, "jti": "j1"}


def issued() -> str:
    return jwt.encode(CLAIMS, PRIVATE_PEM, algorithm="RS256", headers=ISSUED_HEADER)


def forger() -> Forger:
    return Forger(Signing(algorithm="RS256", private_key=PRIVATE_PEM))


def test_resign_keeps_every_header_parameter() -> None:
    header, claims = decode_unverified(forger().resign(issued(), changes={"exp": 1}))
    assert header == decode_unverified(issued())[0]
    assert claims == {**CLAIMS, "exp": 1}


def test_attacked_headers_change_only_the_attacked_parameter() -> None:
    original = decode_unverified(issued())[0]
    assert reheaded(issued(), alg="none") == {**original, "alg": "none"}
    assert reheaded(issued(), alg="HS256", kid="../x") == {
        **original,
        "alg": "HS256",
        "kid": "../x",
    }
    header, _ = decode_unverified(unsigned(reheaded(issued(), alg="none"), CLAIMS))
    assert header == {**original, "alg": "none"}


def test_wrong_key_keeps_the_header_and_fails_verification() -> None:
    token = forger().with_wrong_key(issued())
    assert decode_unverified(token)[0] == decode_unverified(issued())[0]
    try:
        jwt.decode(token, KEY.public_key(), algorithms=["RS256"])
    except jwt.InvalidSignatureError:
        return
    raise AssertionError("a token signed with another key verified")


def test_sign_with_header_adds_no_typ() -> None:
    # PyJWT would add typ: JWT; a header that had none must not gain one.
    token = forger().sign_with_header({"kid": "k"}, json.dumps(CLAIMS).encode())
    assert decode_unverified(token)[0] == {"kid": "k", "alg": "RS256"}
    assert jwt.decode(token, KEY.public_key(), algorithms=["RS256"])["sub"] == "user1"
