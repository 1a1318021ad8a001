"""Offline guessing of an HMAC-signed JWT's key from a list of published placeholder secrets
(what jwt_tool's crack mode and hashcat mode 16500 do), for JWT-KEY-01.

Nothing is sent: the signature of a token the target issued is recomputed with each candidate
over the token's own signing input. About two thousand HMACs, a few milliseconds.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable
from functools import cache
from importlib import resources

__all__ = ["HMAC_DIGESTS", "candidate_secrets", "guess_hmac_key", "mask_secret"]

HMAC_DIGESTS: dict[str, str] = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


def _spellings(secret: str) -> Iterable[str]:
    """The secret as published, and the spellings people turn it into."""
    yield secret
    yield secret.lower()
    yield secret.upper()
    yield secret.replace("-", "_")
    yield secret.replace("_", "-")


@cache
def candidate_secrets() -> tuple[bytes, ...]:
    """Every candidate key, each once, read from the shipped word list (loaded once per run)."""
    text = resources.files("conformance").joinpath("data/jwt-secrets.txt").read_text("utf-8")
    seen: dict[bytes, None] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("# ") or line == "#":
            continue
        for spelling in _spellings(line):
            seen.setdefault(spelling.encode("utf-8"), None)
    return tuple(seen)


def _b64url_decode(segment: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None


def guess_hmac_key(token: str, algorithm: str) -> bytes | None:
    """The candidate secret that produced `token`'s signature, or None."""
    digest = HMAC_DIGESTS.get(algorithm)
    header, _, rest = token.partition(".")
    payload, _, signature_segment = rest.partition(".")
    signature = _b64url_decode(signature_segment)
    if digest is None or not payload or not signature:
        return None
    signing_input = f"{header}.{payload}".encode("ascii", errors="replace")
    for secret in candidate_secrets():
        if hmac.compare_digest(hmac.new(secret, signing_input, digest).digest(), signature):
            return secret
    return None


def mask_secret(secret: bytes) -> str:
    """Enough of a found key to recognise it, not enough to paste it: 'yo***ey (15 chars)'."""
    text = secret.decode("utf-8", errors="replace")
    shown = 2 if len(text) >= 8 else 1 if len(text) >= 3 else 0
    head, tail = text[:shown], text[len(text) - shown :] if shown else ""
    return f"{head}***{tail} ({len(text)} chars)"
