"""Minting and checking the two JWTs; knows nothing about HTTP.

PyJWT verifies the signature, the pinned algorithm, the required claims and iss/aud; the time
claims are checked here against the server's clock (which may be a test clock), with the leeway.
`jws.HmacJws` signs with PyJWT's exact bytes and accepts the tokens PyJWT would certainly accept
at a fraction of the cost; whatever it is not sure of (every refusal included) goes to PyJWT.
"""

from __future__ import annotations

import functools
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import jwt

from reference_server.jws import HmacJws

TokenKind = Literal["access", "refresh"]
REQUIRED_CLAIMS = ("sub", "type", "jti", "sid", "iat", "exp")


class TokenError(Exception):
    """A token that must be refused; the message is safe to show the client."""


class ExpiredTokenError(TokenError):
    """The token was genuine but its `exp` has passed."""


@dataclass(frozen=True)
class Claims:
    sub: str
    type: TokenKind
    jti: str
    sid: str
    iat: int
    exp: int


def new_id() -> str:
    """128 random bits, URL-safe: unguessable token and session ids."""
    return secrets.token_urlsafe(16)


class TokenService:
    def __init__(
        self,
        *,
        key: str,
        algorithm: str,
        access_ttl: int,
        refresh_ttl: int,
        leeway: int = 0,
        issuer: str | None = None,
        audience: str | None = None,
    ) -> None:
        self._key = key
        self.algorithm = algorithm
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.leeway = leeway
        self.issuer = issuer
        self.audience = audience
        # The time-independent checks of a token never change, and a client presents the same
        # access token on every request until it expires: remember the ones that passed
        # (failures are not cached, lru_cache does not keep exceptions).
        self._verified_payload = functools.lru_cache(maxsize=4096)(self._verify)
        self._required = [*REQUIRED_CLAIMS]
        if issuer is not None:
            self._required.append("iss")
        if audience is not None:
            self._required.append("aud")
        # The fast path knows no iss/aud rules: with either configured, PyJWT checks every token.
        self._fast = (
            HmacJws(key, algorithm, self._required) if issuer is None and audience is None else None
        )

    def lifetime(self, kind: TokenKind) -> int:
        return self.access_ttl if kind == "access" else self.refresh_ttl

    def claims_for(self, *, sub: str, kind: TokenKind, sid: str, now: float) -> Claims:
        """Fresh claims: a new jti, issued now, with the lifetime of *kind* (never the other's)."""
        iat = int(now)
        return Claims(
            sub=sub, type=kind, jti=new_id(), sid=sid, iat=iat, exp=iat + self.lifetime(kind)
        )

    def encode(self, claims: Claims) -> str:
        """Deterministic for given claims, so a rotation grace replay can re-send the same token."""
        payload: dict[str, Any] = {
            "sub": claims.sub,
            "type": claims.type,
            "jti": claims.jti,
            "sid": claims.sid,
            "iat": claims.iat,
            "exp": claims.exp,
        }
        if self.issuer is not None:
            payload["iss"] = self.issuer
        if self.audience is not None:
            payload["aud"] = self.audience
        if self._fast is not None:
            return self._fast.sign(payload)
        return jwt.encode(payload, self._key, algorithm=self.algorithm)

    def decode(self, token: str, *, expected: TokenKind, now: float) -> Claims:
        payload = self._verified_payload(token)
        claims = _typed_claims(payload)
        self._check_times(payload, claims, now)
        if claims.type != expected:
            raise TokenError(f"wrong token type: {claims.type!r} where {expected!r} is required")
        return claims

    def _verify(self, token: str) -> Mapping[str, Any]:
        """Signature, pinned algorithm, required claims, iss/aud: the time-independent checks."""
        if self._fast is not None:
            accepted = self._fast.accept(token)
            if accepted is not None:
                return MappingProxyType(accepted)
        required = self._required
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require": required,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": self.audience is not None,
                    "verify_iss": self.issuer is not None,
                },
            )
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"token lacks the required claim {exc.claim!r}") from None
        except jwt.InvalidSignatureError:
            raise TokenError("token signature is invalid") from None
        except jwt.InvalidAlgorithmError:
            raise TokenError(f"token algorithm is not {self.algorithm}") from None
        except (jwt.PyJWTError, ValueError, TypeError, UnicodeError):
            raise TokenError("token is malformed or not issued by this server") from None
        return MappingProxyType(payload)

    def _check_times(self, payload: Mapping[str, Any], claims: Claims, now: float) -> None:
        if payload["exp"] <= now - self.leeway:
            raise ExpiredTokenError("token has expired")
        if payload["iat"] > now + self.leeway:
            raise TokenError("token was issued in the future")
        if "nbf" in payload:
            nbf = payload["nbf"]
            if not _is_number(nbf):
                raise TokenError("token claim 'nbf' is not a number")
            if nbf > now + self.leeway:
                raise TokenError("token is not valid yet")


def _is_number(value: object) -> bool:
    # JSON admits 1e400 (inf) and Python's parser NaN; neither is a time.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and abs(value) < 1e15


def _typed_claims(payload: Mapping[str, Any]) -> Claims:
    for name in ("sub", "type", "jti", "sid"):
        if not isinstance(payload[name], str) or not payload[name]:
            raise TokenError(f"token claim {name!r} is not a non-empty string")
    for name in ("iat", "exp"):
        if not _is_number(payload[name]):
            raise TokenError(f"token claim {name!r} is not a number")
    if payload["type"] not in ("access", "refresh"):
        raise TokenError("token claim 'type' is neither 'access' nor 'refresh'")
    return Claims(
        sub=payload["sub"],
        type=payload["type"],
        jti=payload["jti"],
        sid=payload["sid"],
        iat=int(payload["iat"]),
        exp=int(payload["exp"]),
    )
