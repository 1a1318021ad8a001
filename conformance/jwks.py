"""Public keys from the target's JWKS document (RFC 7517), for `[signing] jwks_url`.

An outsider without any secret can still run the attacks that need only the public key:
algorithm confusion (HMAC keyed with the public key), alg none and an embedded jwk.
"""

from __future__ import annotations

import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization

from conformance.outcomes import HarnessError, TargetError
from conformance.target import Target
from conformance.verify import describe

__all__ = ["load_jwks", "public_pem"]

_KEY_TYPES: dict[str, Any] = {
    "RSA": jwt.algorithms.RSAAlgorithm,
    "EC": jwt.algorithms.ECAlgorithm,
    "OKP": jwt.algorithms.OKPAlgorithm,
}


def public_pem(jwk: dict[str, Any]) -> str:
    """One JWK's public key as SubjectPublicKeyInfo PEM (the text servers load as their key)."""
    kind = _KEY_TYPES.get(str(jwk.get("kty")))
    if kind is None:
        raise ValueError(f"unsupported kty {jwk.get('kty')!r}")
    key = kind.from_jwk(json.dumps(jwk))
    public = key.public_key() if hasattr(key, "private_bytes") else key
    pem: bytes = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


async def load_jwks(url: str, target: Target) -> dict[str, str]:
    """kid -> PEM for every usable key of the JWKS at `url` (a path on the target, or a URL)."""
    try:
        response = await target.request("GET", url, [])
    except TargetError as exc:
        raise HarnessError(f"[signing] jwks_url: GET {url}: {exc}") from None
    try:
        document = response.json()
        keys = document["keys"] if response.is_success else None
    except (ValueError, KeyError, TypeError):
        keys = None
    if not isinstance(keys, list):
        raise HarnessError(
            f'[signing] jwks_url: GET {url} answered {describe(response)}, not {{"keys": [...]}}'
        )
    found: dict[str, str] = {}
    for index, jwk in enumerate(keys):
        if not isinstance(jwk, dict):
            continue
        try:
            found[str(jwk.get("kid", f"#{index}"))] = public_pem(jwk)
        except (ValueError, TypeError, KeyError, jwt.PyJWTError):
            continue  # a key of a kind the attacks cannot use; the others still serve
    if not found:
        raise HarnessError(f"[signing] jwks_url: GET {url}: no RSA, EC or OKP public key in it")
    return found
