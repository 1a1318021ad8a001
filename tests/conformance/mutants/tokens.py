"""Faulty token services: the reference TokenService with exactly one check switched off.

`FaultyTokens` re-implements decoding with every check the reference makes, each behind a
`TokenFaults` flag, so that one flag is one broken rule.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt

from reference_server.tokens import Claims, TokenError, TokenKind, TokenService, _typed_claims

REQUIRED = ("sub", "type", "jti", "sid", "iat")
_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


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
    check_issuer: bool = True
    check_audience: bool = True
    refuse_any_nbf: bool = False  # a token carrying nbf is refused even when nbf has passed
    exp_as_datetime: bool = False  # exp turned into a datetime unguarded: huge values crash
    access_ttl: int | None = None  # the lifetime actually minted, whatever is declared
    refresh_ttl: int | None = None
    refresh_type_value: str = "refresh"  # the type value written into refresh tokens
    algorithms: tuple[str, ...] = ()  # accepted algorithms; () pins the configured one
    untyped_is_expected: bool = False  # a token without a type passes as the expected kind
    type_case_insensitive: bool = False
    required: tuple[str, ...] = REQUIRED  # claims (besides exp) a token must carry
    coerce_exp: bool = False  # exp run through int(): "9999999999" becomes a time
    check_claim_types: bool = True  # sub/type/jti/sid must be non-empty strings
    trust_header_keys: bool = False  # a jwk in the header, or a kid naming a file, is the key
    ignore_crit: bool = False  # hand-rolled HMAC check that never looks at "crit"
    peek_unverified: bool = False  # header and payload parsed before verification, unguarded
    algorithm_table: bool = False  # the header's alg looked up in a table, unguarded
    default_subject: str | None = None  # a token without sub is taken as this user's


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class FaultyTokens(TokenService):
    def __init__(self, faults: TokenFaults, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.faults = faults

    def lifetime(self, kind: TokenKind) -> int:
        minted = self.faults.access_ttl if kind == "access" else self.faults.refresh_ttl
        return minted if minted is not None else super().lifetime(kind)

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

    def encode(self, claims: Claims) -> str:
        token = super().encode(claims)
        if claims.type != "refresh" or self.faults.refresh_type_value == "refresh":
            return token
        payload = jwt.decode(token, options={"verify_signature": False})
        payload["type"] = self.faults.refresh_type_value
        return jwt.encode(payload, self._key, algorithm=self.algorithm)

    def _peek(self, token: str) -> object:
        """The seed's habit of reading a token before verifying it, with no error handling."""
        header_segment, payload_segment, _ = token.split(".")
        json.loads(_b64decode(header_segment))
        return json.loads(_b64decode(payload_segment)).get("type")

    def _hmac_verified(self, token: str, key: bytes) -> dict[str, Any]:
        """A hand-rolled HS256 check: signature only, the header is never looked at."""
        signing_input, _, signature = token.rpartition(".")
        mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(mac, _b64decode(signature)):
            raise TokenError("token signature is invalid")
        payload = json.loads(_b64decode(signing_input.split(".")[1]))
        if not isinstance(payload, dict):
            raise TokenError("token payload is not an object")
        return payload

    def _header_key(self, header: dict[str, Any]) -> tuple[Any, str] | None:
        """The key the token's own header points at (CVE-2018-0114 jwk, kid path traversal)."""
        if isinstance(header.get("jwk"), dict):
            public = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(header["jwk"]))
            return public, str(header.get("alg"))
        if isinstance(header.get("kid"), str):
            try:
                return Path(header["kid"]).read_bytes(), "HS256"
            except OSError:
                return None
        return None

    def _payload(self, token: str, header: dict[str, Any]) -> dict[str, Any]:
        faults = self.faults
        if faults.trust_header_keys:
            found = self._header_key(header)
            if found is not None and found[1] == "HS256":
                return self._hmac_verified(token, found[0])
            if found is not None:
                payload: dict[str, Any] = jwt.decode(
                    token, found[0], algorithms=[found[1]], options={"verify_exp": False}
                )
                return payload
        if faults.ignore_crit:
            return self._hmac_verified(token, self._key.encode())
        unsigned = faults.accept_alg_none and str(header.get("alg", "")).lower() == "none"
        check_issuer = self.issuer is not None and faults.check_issuer
        check_audience = self.audience is not None and faults.check_audience
        required = [*faults.required, *(["exp"] if faults.require_exp else [])]
        required += ["iss"] if check_issuer else []
        required += ["aud"] if check_audience else []
        with warnings.catch_warnings():
            # HS512 with this key is shorter than PyJWT likes; accepting it is the fault.
            warnings.simplefilter("ignore")
            payload = jwt.decode(
                token,
                self._key,
                algorithms=list(faults.algorithms or (self.algorithm,)),
                audience=self.audience if check_audience else None,
                issuer=self.issuer if check_issuer else None,
                options={
                    "require": required,
                    "verify_signature": faults.verify_signature and not unsigned,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": check_audience,
                    "verify_iss": check_issuer,
                    # PyJWT checks that sub and jti are strings; the faulty server does not.
                    "verify_sub": faults.check_claim_types,
                    "verify_jti": faults.check_claim_types,
                },
            )
        return payload

    def decode(self, token: str, *, expected: TokenKind, now: float) -> Claims:
        faults = self.faults
        if faults.peek_unverified:
            self._peek(token)
        try:
            # PyJWT's header reader already refuses an unknown crit; a hand-rolled one does not.
            header = (
                json.loads(_b64decode(token.split(".")[0]))
                if faults.ignore_crit
                else jwt.get_unverified_header(token)
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise TokenError(f"token refused: {exc}") from None
        if faults.algorithm_table:
            _HASHES[header["alg"]]  # KeyError (a 500) for anything but the HMAC algorithms
        try:
            payload = self._payload(token, header)
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise TokenError(f"token refused: {exc}") from None
        if faults.untyped_is_expected:
            payload.setdefault("type", expected)
        if faults.default_subject is not None:
            payload.setdefault("sub", faults.default_subject)
        required = [*faults.required, *(["exp"] if faults.require_exp else [])]
        missing = [name for name in required if name not in payload]
        if missing:
            raise TokenError(f"token lacks {missing[0]!r}")
        kind = payload.get("type")
        if faults.type_case_insensitive and isinstance(kind, str):
            payload["type"] = kind = kind.lower()
        if kind == faults.refresh_type_value:
            payload["type"] = "refresh"
        if faults.coerce_exp and "exp" in payload:
            payload["exp"] = int(payload["exp"])
        if faults.exp_as_datetime and isinstance(payload.get("exp"), int | float):
            datetime.fromtimestamp(payload["exp"], UTC)
        payload.setdefault("exp", now + 3600)
        for name in ("jti", "sid"):
            payload.setdefault(name, "-")
        claims = _typed_claims(payload) if faults.check_claim_types else Claims(**_fields(payload))
        leeway = self.leeway + faults.extra_leeway
        if claims.type not in faults.skip_exp_for and payload["exp"] <= now - leeway:
            raise TokenError("token has expired")
        if faults.check_iat and payload["iat"] > now + leeway:
            raise TokenError("token was issued in the future")
        if faults.check_nbf and "nbf" in payload and payload["nbf"] > now + leeway:
            raise TokenError("token is not valid yet")
        if faults.refuse_any_nbf and "nbf" in payload:
            raise TokenError("nbf is not supported")
        if claims.type != expected and expected not in faults.skip_type_check_for:
            raise TokenError("wrong token type")
        return claims


def _fields(payload: dict[str, Any]) -> dict[str, Any]:
    return {name: payload.get(name) for name in ("sub", "type", "jti", "sid", "iat", "exp")}
