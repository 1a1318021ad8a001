"""The token forger: re-signs real tokens with changed claims, and builds broken ones on purpose.

Forging starts from a token the target issued (a template), so claims the profile does not know
about (`jti`, `sid`, `iss`, ...) are carried over; only the claims a case changes differ. The same
holds for the JOSE header: an attack on `alg`, `jwk` or `kid` keeps every other header parameter
the target wrote (`typ: at+jwt`, the real `kid`, ...), because a target that checks those first
would otherwise refuse the attack for a reason that has nothing to do with it, and the suite would
PASS a server that trusts the header (RFC 9068 §4 checks `typ` before the signature).
"""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from conformance.outcomes import HarnessError, Skipped
from conformance.profile import HMAC_ALGORITHMS, Signing

__all__ = [
    "DROP",
    "OPAQUE_REFRESH",
    "Forger",
    "b64url",
    "decode_unverified",
    "encode_segment",
    "reheaded",
    "split_token",
    "unknown_subject",
    "unsigned",
    "wrong_subject_types",
]


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


# A claim set to DROP is removed from the forged token.
DROP: Any = _Drop()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def split_token(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3:
        raise HarnessError(
            f"the target issued a token that is not a JWS compact JWT: {token[:40]!r}"
        )
    return parts[0], parts[1], parts[2]


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a token the target issued, without checking the signature."""
    header_part, payload_part, _ = split_token(token)
    try:
        header = json.loads(_b64decode(header_part))
        claims = json.loads(_b64decode(payload_part))
    except ValueError:
        raise HarnessError(
            f"the target issued a token whose parts are not JSON: {token[:40]!r}"
        ) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise HarnessError("the target issued a token whose header or claims are not JSON objects")
    return header, claims


def reheaded(template: str, **changes: Any) -> dict[str, Any]:
    """The template's JOSE header with `changes` applied (DROP removes), in the issued order:
    the forged header differs from the issued one in the attacked parameters alone."""
    header, _ = decode_unverified(template)
    _apply(header, changes)
    return header


def encode_segment(value: dict[str, Any] | bytes) -> str:
    """One base64url segment: JSON objects are written compactly, bytes are taken as they are."""
    raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
    return b64url(raw)


def _apply(fields: dict[str, Any], changes: dict[str, Any] | None) -> None:
    """Set each changed field, or remove it when the change is DROP."""
    for name, value in (changes or {}).items():
        if value is DROP:
            fields.pop(name, None)
        else:
            fields[name] = value


OPAQUE_REFRESH = (
    'the refresh token is opaque ([refresh] token_format = "opaque"): it has no claims or '
    "signature to read, alter or forge"
)


class Forger:
    """Signs tokens the way the target does, with the profile's key and algorithm for one kind
    of token (access tokens by [signing], refresh tokens by [signing.refresh] when given)."""

    def __init__(self, signing: Signing, *, kind: str = "access", opaque: bool = False) -> None:
        self.signing = signing
        self.kind = kind
        # Opaque tokens (random strings the server stores) cannot be re-signed at all.
        self.opaque = opaque
        self._attacker_key: rsa.RSAPrivateKey | None = None
        # kid -> PEM, from the target's JWKS ([signing] jwks_url), filled in by the runner.
        self.public_keys: dict[str, str] = {}

    @property
    def key(self) -> str:
        if self.opaque:
            raise Skipped(OPAQUE_REFRESH)
        if not self.signing.can_forge:
            if self.signing.jwks_url or self.signing.public_key:
                raise Skipped(
                    "the profile gives only the target's public key ([signing] jwks_url or "
                    "public_key_file): forging a token the target accepts needs the private key"
                )
            section = "[signing.refresh]" if self.kind == "refresh" else "[signing]"
            raise Skipped(
                f"the profile gives no {self.kind} token signing key ({section}), "
                f"so {self.kind} tokens cannot be forged"
            )
        return self.signing.secret if self.signing.symmetric else self.signing.private_key

    def verifies(self, token: str) -> bool:
        """Whether `token`'s signature checks out with this key: tells a wrong profile key from
        a target that refuses re-signed copies of its own tokens."""
        key: Any = self.key
        if not self.signing.symmetric:
            private = serialization.load_pem_private_key(key.encode(), password=None)
            key = private.public_key()
        try:
            with warnings.catch_warnings():
                # A short key is the target's choice; other cases judge it, not this check.
                warnings.simplefilter("ignore")
                jwt.api_jws.decode_complete(token, key, algorithms=[self.signing.algorithm])
        except (jwt.PyJWTError, ValueError, TypeError):
            return False
        return True

    def public_pem(self, header: dict[str, Any] | None = None) -> str:
        """The target's public key as PEM text (what an algorithm-confusion attacker uses as
        an HMAC secret): the profile's file, else the JWKS key the header's kid names, else the
        JWKS's first; '' when the profile gives none."""
        if self.signing.public_key:
            return self.signing.public_key
        kid = (header or {}).get("kid")
        if isinstance(kid, str) and kid in self.public_keys:
            return self.public_keys[kid]
        return next(iter(self.public_keys.values()), "")

    def resign(
        self,
        template: str,
        *,
        changes: dict[str, Any] | None = None,
        header_changes: dict[str, Any] | None = None,
    ) -> str:
        """The template's claims with `changes` applied (DROP removes), signed with the key."""
        if self.opaque:
            raise Skipped(OPAQUE_REFRESH)
        header, claims = decode_unverified(template)
        _apply(claims, changes)
        _apply(header, header_changes)
        return self.sign_with_header(header, json.dumps(claims).encode())

    def sign_with_header(
        self,
        header: dict[str, Any],
        payload: bytes,
        *,
        algorithm: str | None = None,
        key: Any = None,
    ) -> str:
        """Sign `payload` under exactly `header` (its `alg` set to the algorithm used, in place,
        nothing added: PyJWT would add `typ: JWT` to a header that had none)."""
        name = algorithm or self.signing.algorithm
        written = {**header, "alg": name} if "alg" in header else {"alg": name, **header}
        return self.sign_segments(
            json.dumps(written, separators=(",", ":")).encode(), payload, algorithm=name, key=key
        )

    def sign_bytes(
        self,
        payload: bytes,
        *,
        headers: dict[str, Any] | None = None,
        algorithm: str | None = None,
        key: Any = None,
    ) -> str:
        """Sign arbitrary payload bytes (not necessarily a JSON object)."""
        extra = {name: value for name, value in (headers or {}).items() if name != "alg"}
        try:
            with warnings.catch_warnings():
                # Sibling algorithms (HS512 with an HS256-sized key) are the point, not a mistake.
                warnings.simplefilter("ignore")
                return jwt.api_jws.encode(
                    payload,
                    self.key if key is None else key,
                    algorithm=algorithm or self.signing.algorithm,
                    headers=extra or None,
                )
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise HarnessError(f"cannot sign with the profile's key: {exc}") from None

    def sign_segments(
        self, header: bytes, payload: bytes, *, algorithm: str | None = None, key: Any = None
    ) -> str:
        """Sign raw header and payload bytes, which need not be JSON at all."""
        name = algorithm or self.signing.algorithm
        try:
            signer = jwt.get_algorithm_by_name(name)
            prepared = signer.prepare_key(self.key if key is None else key)
            signing_input = f"{b64url(header)}.{b64url(payload)}"
            signature = signer.sign(signing_input.encode("ascii"), prepared)
        except (ValueError, TypeError, NotImplementedError, jwt.PyJWTError) as exc:
            raise HarnessError(f"cannot sign with the profile's key: {exc}") from None
        return f"{signing_input}.{b64url(signature)}"

    def with_wrong_key(self, template: str) -> str:
        """The template, header and claims unchanged, signed with a key the target cannot know
        (the issued `alg`, or the profile's when the token does not say)."""
        if self.opaque:
            raise Skipped(OPAQUE_REFRESH)
        header, claims = decode_unverified(template)
        payload = json.dumps(claims).encode()
        issued = header.get("alg")
        algorithm = issued if isinstance(issued, str) else self.signing.algorithm
        if algorithm in HMAC_ALGORITHMS:
            other: Any = "not-the-target-key-" + "x" * 48
        elif algorithm.startswith(("RS", "PS")):
            other = self.attacker_private_pem()
        else:
            curves = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}
            other = (
                ec.generate_private_key(curves[algorithm])
                if algorithm in curves
                else ed25519.Ed25519PrivateKey.generate()
            )
        return self.sign_with_header(header, payload, algorithm=algorithm, key=other)

    def attacker_key(self) -> rsa.RSAPrivateKey:
        if self._attacker_key is None:
            self._attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self._attacker_key

    def attacker_private_pem(self) -> bytes:
        return self.attacker_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def attacker_public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.attacker_key().public_key()))
        return dict(jwk)


def unsigned(header: dict[str, Any], claims: dict[str, Any] | bytes) -> str:
    """A token with an empty signature, for the `alg: none` family."""
    return f"{encode_segment(header)}.{encode_segment(claims)}."


# A subject no user has. Django-style targets put a numeric user id in the subject claim: a
# string there is a type error, not an unknown user, so the unknown one keeps the issued type.
UNKNOWN_USERNAME = "no-such-user-7f3a9c"
UNKNOWN_USER_ID = 987_654_321


def unknown_subject(template: str, claim: str) -> str | int:
    """A subject of the JSON type the target issued in `claim`, that names no user."""
    issued = decode_unverified(template)[1].get(claim)
    if isinstance(issued, int) and not isinstance(issued, bool):
        return UNKNOWN_USER_ID
    return UNKNOWN_USERNAME


def wrong_subject_types(template: str, claim: str) -> tuple[Any, ...]:
    """Subjects of JSON types other than the one the target issued in `claim`."""
    issued = decode_unverified(template)[1].get(claim)
    numeric = isinstance(issued, int) and not isinstance(issued, bool)
    return ("not-a-user-id" if numeric else 42, None, ["user"], {"name": "user"})
