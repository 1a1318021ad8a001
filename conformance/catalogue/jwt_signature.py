"""JWT-SIG/ALG/TAMPER/FORMAT: the signature is checked, with the one algorithm the key is for.

Each forging case first shows that a correctly re-signed copy is accepted (the control), so a
refusal of the attack means the target checked, not that the profile's key was wrong. Every forged
token starts from the issued header and changes only the parameter it attacks (`alg`, `jwk`,
`kid`): `typ`, the real `kid` and anything else the target wrote stay, so the attack and its
control differ in the attacked field alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable

from conformance.catalogue import quotes
from conformance.catalogue.case import Family, Level
from conformance.context import CaseContext, Session
from conformance.forge import (
    b64url,
    decode_unverified,
    encode_segment,
    reheaded,
    split_token,
    unsigned,
)
from conformance.keyguess import HMAC_DIGESTS, guess_hmac_key, mask_secret
from conformance.outcomes import CaseFailure, HarnessError, Skipped

FAMILY = Family("jwt-signature", "JWT signature and algorithm")
case = FAMILY.case


async def refused(
    ctx: CaseContext,
    forge: Callable[[Session], str | list[str]],
    what: str,
    *,
    control: bool,
    malformed: bool = False,
) -> None:
    """Log in, prove the forger works (if `control`), then present forged tokens."""
    session = await ctx.login()
    if control:
        await ctx.forged_access_control(session)
    else:
        await ctx.access_control(session)
    tokens = forge(session)
    for token in [tokens] if isinstance(tokens, str) else tokens:
        ctx.expect_rejected(await ctx.protected(token), what, malformed=malformed)


def _flip(segment: str) -> str:
    first = "A" if segment[0] != "A" else "B"
    return first + segment[1:]


@case(
    "JWT-SIG-01",
    "A token without its signature is refused",
    sends="the access token with the signature segment removed (header.payload.)",
    requirement="A JWS whose signature does not validate is rejected.",
    spec="RFC 7515 §5.2; RFC 7519 §7.2; RFC 8725 §3.3",
    quote=quotes.R7519_REJECT,
)
async def stripped(ctx: CaseContext) -> None:
    def forge(session: Session) -> str:
        header, payload, _ = split_token(session.access)
        return f"{header}.{payload}."

    await refused(ctx, forge, "access token without signature", control=False)


@case(
    "JWT-SIG-02",
    "A token with an altered signature is refused",
    sends="the access token with the first character of its signature changed",
    requirement="A JWS whose signature does not validate is rejected.",
    spec="RFC 7515 §5.2; RFC 8725 §3.3; RFC 7519 §7.2",
    quote=quotes.R7519_REJECT,
)
async def altered(ctx: CaseContext) -> None:
    def forge(session: Session) -> str:
        header, payload, signature = split_token(session.access)
        return f"{header}.{payload}.{_flip(signature)}"

    await refused(ctx, forge, "access token with an altered signature", control=False)


@case(
    "JWT-SIG-03",
    "A token signed with another key is refused",
    sends="the access token's claims signed with a key the target does not have",
    requirement="Only the target's own key validates a token.",
    spec="RFC 7515 §5.2; RFC 8725 §3.3; RFC 7519 §7.2",
    quote=quotes.R7519_REJECT,
)
async def wrong_key(ctx: CaseContext) -> None:
    await refused(
        ctx,
        lambda s: ctx.forger.with_wrong_key(s.access),
        "token signed with another key",
        control=False,
    )


@case(
    "JWT-SIG-04",
    "A signature taken from another token is refused",
    sends="the header and payload of one login's access token with another login's signature",
    requirement="The signature covers header and payload; one token's signature never "
    "validates another.",
    spec="RFC 7515 §5.2; RFC 7519 §7.2",
    quote=quotes.R7519_REJECT,
)
async def spliced(ctx: CaseContext) -> None:
    session = await ctx.login()
    # The login's own access token works (the control the other refusal cases make).
    await ctx.access_control(session)
    other = await ctx.second_login(session, "LOGIN-OK-03")
    header, payload, _ = split_token(session.access)
    token = f"{header}.{payload}.{split_token(other.access)[2]}"
    ctx.expect_rejected(await ctx.protected(token), "token with another token's signature")


@case(
    "JWT-ALG-01",
    "An unsigned token (alg: none) is refused",
    sends='the access token\'s claims under its own header with "alg": "none", and an empty '
    "signature",
    requirement="Unsecured JWTs are never accepted where a signed one is expected.",
    spec="RFC 8725 §2.1, §3.1; RFC 7519 §6; RFC 7518 §3.6",
    quote=quotes.R7518_NONE,
)
async def alg_none(ctx: CaseContext) -> None:
    def forge(session: Session) -> str:
        return unsigned(reheaded(session.access, alg="none"), session.claims())

    await refused(ctx, forge, "alg: none token", control=False)


@case(
    "JWT-ALG-02",
    "alg: none in other spellings is refused",
    sends="unsigned tokens with alg None, NONE and nOnE, and alg none keeping the real signature",
    requirement="No spelling of 'none' turns off signature checking.",
    spec="RFC 8725 §2.1, §3.1; RFC 7518 §3.6",
    quote=quotes.R7518_NONE,
)
async def alg_none_spellings(ctx: CaseContext) -> None:
    def forge(session: Session) -> list[str]:
        claims = session.claims()
        tokens = [
            unsigned(reheaded(session.access, alg=alg), claims) for alg in ("None", "NONE", "nOnE")
        ]
        signature = split_token(session.access)[2]
        tokens.append(unsigned(reheaded(session.access, alg="none"), claims) + signature)
        return tokens

    await refused(ctx, forge, "alg: none variant", control=False)


@case(
    "JWT-ALG-03",
    "Algorithm confusion is refused",
    sends="for an HMAC target: the claims as RS256 signed by an attacker's RSA key; for an "
    "RSA/EC target: the claims as HS256 with the target's public key as the HMAC secret",
    requirement="The target verifies with the one algorithm its key is for, never the one the "
    "token's header names.",
    spec="RFC 8725 §2.1, §3.1",
    quote=quotes.R8725_ONE_ALG,
)
async def confusion(ctx: CaseContext) -> None:
    signing = ctx.profile.signing

    def forge(session: Session) -> str:
        header = reheaded(session.access)
        payload = json.dumps(session.claims()).encode()
        if signing.symmetric:
            return ctx.forger.sign_with_header(
                header, payload, algorithm="RS256", key=ctx.forger.attacker_private_pem()
            )
        public_key = ctx.forger.public_pem(header)
        if not public_key:
            ctx.require(
                False, "the profile gives no public key ([signing] public_key_file or jwks_url)"
            )
        return _hmac_signed({**header, "alg": "HS256"}, payload, public_key.encode())

    await refused(
        ctx, forge, "token using another algorithm family", control=ctx.forger.signing.can_forge
    )


@case(
    "JWT-ALG-04",
    "An attacker's key embedded in the header (jwk) is not trusted",
    sends="the claims as RS256 signed by an attacker's key, with that key's public half in "
    "the header's jwk parameter",
    requirement="Keys come from the target's configuration, never from the token itself.",
    spec="RFC 8725 §3.10; RFC 7515 §4.1.3; RFC 7519 §7.2",
    quote=quotes.R7519_REJECT,
)
async def jwk_injection(ctx: CaseContext) -> None:
    def forge(session: Session) -> str:
        header = reheaded(session.access, jwk=ctx.forger.attacker_public_jwk())
        return ctx.forger.sign_with_header(
            header,
            json.dumps(session.claims()).encode(),
            algorithm="RS256",
            key=ctx.forger.attacker_private_pem(),
        )

    await refused(ctx, forge, "token carrying its own jwk", control=ctx.forger.signing.can_forge)


@case(
    "JWT-ALG-05",
    "A kid pointing at a file is not followed",
    sends='the claims HMAC-signed with an empty key, header kid "../../../../../../dev/null"',
    requirement="The kid header cannot make the target pick an attacker-controlled key.",
    spec="RFC 8725 §3.10; RFC 7519 §7.2",
    quote=quotes.R7519_REJECT,
)
async def kid_traversal(ctx: CaseContext) -> None:
    def forge(session: Session) -> list[str]:
        payload = json.dumps(session.claims()).encode()
        return [
            _hmac_signed(reheaded(session.access, alg="HS256", kid=kid), payload, b"")
            for kid in ("../../../../../../dev/null", "' OR '1'='1")
        ]

    await refused(ctx, forge, "token with a hostile kid", control=ctx.forger.signing.can_forge)


@case(
    "JWT-ALG-06",
    "An unknown algorithm is refused without a crash",
    sends='the access token with its header\'s alg changed to "HS999", then to 42 (not a string)',
    requirement="An unsupported or malformed alg is a rejection, not a server error.",
    spec="RFC 7515 §4.1.1; RFC 8725 §3.1; RFC 7519 §7.2",
    quote=quotes.R7519_REJECT,
)
async def unknown_alg(ctx: CaseContext) -> None:
    def forge(session: Session) -> list[str]:
        _, payload, signature = split_token(session.access)
        return [
            f"{encode_segment(reheaded(session.access, alg=alg))}.{payload}.{signature}"
            for alg in ("HS999", 42)
        ]

    await refused(ctx, forge, "token with an unknown alg", control=False)


@case(
    "JWT-ALG-07",
    "The algorithm is pinned, not just the key",
    sends="the claims signed with the target's own key under a sibling algorithm "
    "(HS512 for HS256, PS256 for RS256, ...)",
    requirement="The target accepts only the algorithm it is configured for.",
    spec="RFC 8725 §3.1",
    level=Level.MUST,
    quote=quotes.R8725_ONE_ALG,
)
async def sibling_alg(ctx: CaseContext) -> None:
    siblings = {
        "HS256": "HS512", "HS384": "HS256", "HS512": "HS256",
        "RS256": "PS256", "RS384": "PS384", "RS512": "PS512",
        "PS256": "RS256", "PS384": "RS384", "PS512": "RS512",
    }  # fmt: skip
    sibling = siblings.get(ctx.profile.signing.algorithm)
    ctx.require(sibling is not None, f"no sibling algorithm for {ctx.profile.signing.algorithm}")

    def forge(session: Session) -> str:
        return ctx.forger.sign_with_header(
            reheaded(session.access), json.dumps(session.claims()).encode(), algorithm=sibling
        )

    await refused(ctx, forge, f"token signed as {sibling}", control=True)


@case(
    "JWT-TAMPER-01",
    "A changed subject breaks the signature",
    sends="the access token with its subject changed to 'admin', and with its subject "
    "re-spelled in JSON \\u escapes (same user, other bytes), original signature kept",
    requirement="Any change to the payload invalidates the signature.",
    spec="RFC 7515 §5.2; RFC 8725 §3.3; RFC 7519 §7.2",
    quote=quotes.R7519_REJECT,
)
async def tamper_subject(ctx: CaseContext) -> None:
    def forge(session: Session) -> list[str]:
        # A target that skips the signature check refuses 'admin' anyway when it has no such
        # user; the re-spelled subject names the caller, so only the signature can refuse it.
        return [
            _tampered(ctx, session, {ctx.claim.subject: "admin"}),
            _respelled_subject(ctx, session),
        ]

    await refused(ctx, forge, "token with a tampered subject", control=False)


@case(
    "JWT-TAMPER-02",
    "An extended expiry breaks the signature",
    sends="the access token with exp moved a year ahead, original signature kept",
    requirement="Any change to the payload invalidates the signature.",
    spec="RFC 7515 §5.2; RFC 8725 §3.3; RFC 7519 §7.2",
    quote=quotes.R7519_REJECT,
)
async def tamper_exp(ctx: CaseContext) -> None:
    def forge(session: Session) -> str:
        exp = session.claims().get("exp", 0)
        return _tampered(ctx, session, {"exp": (exp if isinstance(exp, int) else 0) + 31_536_000})

    await refused(ctx, forge, "token with a tampered exp", control=False)


@case(
    "JWT-TAMPER-03",
    "A refresh token relabelled as access breaks the signature",
    sends="the refresh token with its type claim set to the access value, signature kept",
    requirement="Any change to the payload invalidates the signature.",
    spec="RFC 7515 §5.2; seed design (type claim); RFC 7519 §7.2",
    needs=("jwt_refresh", "kind_marker"),
    quote=quotes.R7519_REJECT,
)
async def tamper_type(ctx: CaseContext) -> None:
    def forge(session: Session) -> str:
        header_part, payload_part, signature = split_token(ctx.refresh_jwt(session))
        header, claims = decode_unverified(session.refresh)
        changes, header_changes = ctx.kind_marker("access")
        if header_changes:
            header.update(header_changes)
            header_part = encode_segment(header)
        claims.update(changes)
        if changes:
            payload_part = encode_segment(claims)
        tampered = f"{header_part}.{payload_part}.{signature}"
        if tampered == session.refresh:
            raise Skipped(
                "premise: the refresh token already carries the access marker, so relabelling "
                "changes nothing; covered by TYPE-03"
            )
        return tampered

    await refused(ctx, forge, "relabelled refresh token", control=False)


@case(
    "JWT-TAMPER-04",
    "A changed header breaks the signature",
    sends='the access token with a "kid" added to its header, original signature kept',
    requirement="The signature covers the protected header too.",
    spec="RFC 7515 §5.1, §5.2; RFC 7519 §7.2",
    quote=quotes.R7519_REJECT,
)
async def tamper_header(ctx: CaseContext) -> None:
    def forge(session: Session) -> str:
        header, _claims = decode_unverified(session.access)
        header["kid"] = "attacker"
        _, payload, signature = split_token(session.access)
        return f"{b64url(json.dumps(header).encode())}.{payload}.{signature}"

    await refused(ctx, forge, "token with a tampered header", control=False)


def _hmac_signed(header: dict[str, object], payload: bytes, key: bytes) -> str:
    """An HS256 JWS under exactly `header`, keyed with bytes an attacker knows (a public key,
    the empty file a hostile kid points at)."""
    signing_input = f"{encode_segment(header)}.{b64url(payload)}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def _tampered(ctx: CaseContext, session: Session, changes: dict[str, object]) -> str:
    header, _, signature = split_token(session.access)
    claims = session.claims()
    claims.update(changes)
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


def _respelled_subject(ctx: CaseContext, session: Session) -> str:
    """The access token's payload with the subject written as JSON \\u escapes: the same
    claims, other bytes."""
    header, _, signature = split_token(session.access)
    claims = session.claims()

    def spell(name: str, value: object) -> str:
        if name != ctx.claim.subject or not isinstance(value, str):
            return json.dumps(value)
        escaped = (json.dumps(c)[1:-1] if ord(c) > 127 else f"\\u{ord(c):04x}" for c in value)
        return '"' + "".join(escaped) + '"'

    payload = "{" + ", ".join(f"{json.dumps(k)}: {spell(k, v)}" for k, v in claims.items()) + "}"
    return f"{header}.{b64url(payload.encode())}.{signature}"


@case(
    "JWT-FORMAT-01",
    "Strings that are not JWTs are refused",
    sends="bearer tokens: 'garbage', 'a.b', 'a.b.c.d', '...', a valid token plus '.x'",
    requirement="A malformed token is rejected, never a server error.",
    spec="RFC 7519 §7.2; RFC 7515 §7.1",
    quote=quotes.R7519_REJECT,
)
async def not_jwts(ctx: CaseContext) -> None:
    await refused(
        ctx,
        lambda s: ["garbage", "a.b", "a.b.c.d", "...", s.access + ".x"],
        "malformed token",
        control=False,
    )


@case(
    "JWT-FORMAT-02",
    "Bad base64url is refused",
    sends="the access token with '!!' and '%%' inserted into the payload segment",
    requirement="A segment that is not base64url is a malformed token and is rejected.",
    spec="RFC 7515 §2, §7.1; RFC 7519 §7.2",
    quote=quotes.R7519_REJECT,
)
async def bad_base64(ctx: CaseContext) -> None:
    def forge(session: Session) -> list[str]:
        header, payload, signature = split_token(session.access)
        return [f"{header}.!!{payload}.{signature}", f"{header}.{payload}%%.{signature}"]

    # '!' and '%' are outside RFC 6750's b64token: 400 invalid_request is a correct refusal too.
    await refused(ctx, forge, "token with bad base64url", control=False, malformed=True)


@case(
    "JWT-FORMAT-03",
    "Signed payloads that are not a JSON object are refused",
    sends="correctly signed tokens whose payload is a JSON array, a JSON string, not JSON, "
    "and bytes that are not UTF-8",
    requirement="The claims set must be a JSON object; anything else is rejected, not a crash.",
    spec="RFC 7519 §7.2 (steps 9-10)",
    quote=quotes.R7519_REJECT,
)
async def non_object_payload(ctx: CaseContext) -> None:
    def forge(session: Session) -> list[str]:
        header = json.dumps(reheaded(session.access, alg=ctx.profile.signing.algorithm)).encode()
        payloads = [b'["sub", "exp"]', b'"claims"', b"not json", b"\xff\xfe{}"]
        return [ctx.forger.sign_segments(header, payload) for payload in payloads]

    await refused(ctx, forge, "signed token with a non-object payload", control=True)


@case(
    "JWT-FORMAT-04",
    "A signed header that is not JSON is refused",
    sends="a correctly signed token whose header segment is not JSON",
    requirement="The JOSE header must be a JSON object; anything else is rejected.",
    spec="RFC 7515 §5.2 (step 3); RFC 7519 §7.2",
    quote=quotes.R7519_REJECT,
)
async def bad_header(ctx: CaseContext) -> None:
    def forge(session: Session) -> str:
        claims = session.claims()
        return ctx.forger.sign_segments(b"{not json", json.dumps(claims).encode())

    await refused(ctx, forge, "token with a non-JSON header", control=True)


@case(
    "JWT-FORMAT-05",
    "An unknown critical header extension is refused",
    sends='a correctly signed token whose header says "crit": ["x-unheard-of"]',
    requirement="A recipient that does not understand a crit extension must reject the JWS.",
    spec="RFC 7515 §4.1.11",
    quote=quotes.JWT_FORMAT_05,
)
async def crit(ctx: CaseContext) -> None:
    def forge(session: Session) -> str:
        return ctx.forger.resign(
            session.access, header_changes={"crit": ["x-unheard-of"], "x-unheard-of": True}
        )

    await refused(ctx, forge, "token with an unknown crit extension", control=True)


@case(
    "JWT-KEY-01",
    "The HMAC key is not a published placeholder",
    sends="nothing: the signatures of the issued access and refresh tokens are recomputed "
    "offline with each of the suite's published placeholder secrets (conformance/data/"
    "jwt-secrets.txt), as jwt_tool's crack mode and hashcat mode 16500 do",
    requirement="A key from a tutorial, a README or a template lets anyone mint tokens.",
    spec='RFC 8725 §3.5; RFC 7518 §3.2; seed design\'s fault (SECRET_KEY = "your-secret-key")',
    quote=quotes.R8725_ENTROPY,
)
async def guessable_key(ctx: CaseContext) -> None:
    # It runs whether or not the profile gives the key: a key the team wrote into its profile
    # is just as guessable by everyone else, and the proof is the target's own token.
    session = await ctx.login()
    tried: list[str] = []
    for kind, token in (("access", session.access), ("refresh", session.refresh)):
        try:
            algorithm = decode_unverified(token)[0].get("alg")
        except HarnessError:
            continue  # an opaque refresh token: nothing to guess offline
        if algorithm not in HMAC_DIGESTS:
            continue
        tried.append(kind)
        secret = guess_hmac_key(token, str(algorithm))
        if secret is not None:
            raise CaseFailure(
                "a signing key no one can guess",
                f"the {kind} token ({algorithm}) verifies with a published placeholder secret, "
                f"{mask_secret(secret)}: anyone can mint tokens for any user",
                cause="guessable HMAC signing key",
            )
    ctx.require(bool(tried), "not applicable: the issued tokens are not HMAC-signed JWTs")
