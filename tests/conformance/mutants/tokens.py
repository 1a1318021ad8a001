"""Faulty token services: the reference TokenService with exactly one check switched off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

from reference_server.tokens import Claims, TokenError, TokenKind, TokenService, _typed_claims


@dataclass(frozen=True)
class TokenFaults:
    skip_exp_for: frozenset[str] = frozenset()  # token kinds whose expiry is not checked
    skip_type_check_for: frozenset[str] = frozenset()  # expected kinds that accept any type
    accept_alg_none: bool = False
    verify_signature: bool = True
    require_exp: bool = True
    extra_leeway: int = 0
    check_nbf: bool = True
    check_iat: bool = True
    predictable_jti: bool = False


class FaultyTokens(TokenService):
    def __init__(self, faults: TokenFaults, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.faults = faults

    def claims_for(self, *, sub: str, kind: TokenKind, sid: str, now: float) -> Claims:
        claims = super().claims_for(sub=sub, kind=kind, sid=sid, now=now)
        if self.faults.predictable_jti:
            # The seed's fault: no randomness, so two logins in one second get identical tokens.
            return Claims(
                sub,
                kind,
                f"{sub}-{kind}-{claims.iat}",
                f"{sub}-{claims.iat}",
                claims.iat,
                claims.exp,
            )
        return claims

    def decode(self, token: str, *, expected: TokenKind, now: float) -> Claims:
        faults = self.faults
        try:
            header = jwt.get_unverified_header(token)
            unsigned = faults.accept_alg_none and str(header.get("alg", "")).lower() == "none"
            required = ["sub", "type", "jti", "sid", "iat"] + (
                ["exp"] if faults.require_exp else []
            )
            payload: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[self.algorithm],
                options={
                    "require": required,
                    "verify_signature": faults.verify_signature and not unsigned,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise TokenError(f"token refused: {exc}") from None
        payload.setdefault("exp", now + 3600)
        claims = _typed_claims(payload)
        leeway = self.leeway + faults.extra_leeway
        if claims.type not in faults.skip_exp_for and payload["exp"] <= now - leeway:
            raise TokenError("token has expired")
        if faults.check_iat and payload["iat"] > now + leeway:
            raise TokenError("token was issued in the future")
        if faults.check_nbf and "nbf" in payload and payload["nbf"] > now + leeway:
            raise TokenError("token is not valid yet")
        if claims.type != expected and expected not in faults.skip_type_check_for:
            raise TokenError("wrong token type")
        return claims
