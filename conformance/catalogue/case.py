"""How a case is declared: a stable ID, what it sends, the requirement and its source, a level,
the capabilities it needs, and an async run function that raises on a deviation."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from conformance.context import CaseContext
from conformance.outcomes import Level
from conformance.profile import Profile

__all__ = [
    "NEEDS",
    "Case",
    "CaseRun",
    "Family",
    "Level",
    "declared_absent",
    "quote_level",
    "skip_reason",
]

CaseRun = Callable[[CaseContext], Awaitable[None]]
ID_PATTERN = re.compile(r"^[A-Z]+(-[A-Z0-9]+)*-[0-9]{2}$")

# Capability name -> (is it there?, why the case is skipped when it is not).
NEEDS: dict[str, tuple[Callable[[Profile], bool], str]] = {
    "forge": (
        lambda p: p.signing.can_forge,
        "the profile gives no signing key ([signing] secret, secret_env or private_key_file); "
        "a public key (jwks_url, public_key_file) cannot forge a token the target accepts",
    ),
    "forge_refresh": (
        lambda p: not p.refresh.opaque and p.refresh_key.can_forge,
        "the profile gives no key for refresh tokens ([signing.refresh] or [signing] secret, "
        "secret_env or private_key_file)",
    ),
    "jwt_refresh": (
        lambda p: not p.refresh.opaque,
        'the refresh token is opaque ([refresh] token_format = "opaque"): it has no claims or '
        "signature to read, alter or forge",
    ),
    "kind_marker": (
        lambda p: p.claims.marked,
        'access and refresh tokens are told apart by their signing keys ([claims] kind_by = "key"):'
        " they carry no kind marker to read or change; TYPE-01 and TYPE-02 judge the separation",
    ),
    "kind_value": (
        lambda p: p.claims.kind_by in ("claim", "header"),
        "kinds are not told apart by a type value ([claims] kind_by): no spelling to vary",
    ),
    "advance": (
        lambda p: p.time.mode != "forge",
        "time mode forge cannot move the target's clock ([time] mode)",
    ),
    "logout": (lambda p: bool(p.logout), "the profile declares no logout"),
    "logout_revokes_access": (
        lambda p: p.capabilities.logout_revokes_access,
        "capability logout_revokes_access not declared",
    ),
    "new_refresh": (
        lambda p: p.refresh.returns_new_refresh,
        "refresh does not return a new refresh token ([refresh] returns_new_refresh)",
    ),
    "no_rotation": (
        lambda p: not p.capabilities.rotation,
        "not applicable: the target rotates refresh tokens",
    ),
    "rotation": (lambda p: p.capabilities.rotation, "capability rotation not declared"),
    "reuse_detection": (
        lambda p: p.capabilities.reuse_detection,
        "capability reuse_detection not declared",
    ),
    "grace": (
        lambda p: p.refresh.rotation_grace > 0,
        "no rotation grace window declared ([refresh] rotation_grace)",
    ),
    "rate_limit": (lambda p: p.capabilities.rate_limit, "capability rate_limit not declared"),
    "rate_window": (
        lambda p: p.time.mode in ("freeze", "clock") or p.rate_limit.window_declared,
        "time mode forge/wait cannot move the target's clock past the rate-limit window; "
        "declare [rate_limit] window so that the suite can wait it out",
    ),
    "cookie": (
        lambda p: p.cookie_transport,
        "the refresh token does not travel in a cookie ([refresh] transport)",
    ),
    "persistence": (
        lambda p: p.capabilities.persistence and p.can_restart,
        "capability persistence not declared (or no way to restart the target)",
    ),
    "workers": (
        lambda p: p.capabilities.workers > 1,
        "the target declares a single worker ([capabilities] workers)",
    ),
    "user_hooks": (
        lambda p: p.disable_user is not None,
        "the profile declares no disable_user/enable_user hooks",
    ),
    "issuer": (lambda p: bool(p.claims.issuer), "the profile declares no [claims] issuer"),
    "audience": (lambda p: bool(p.claims.audience), "the profile declares no [claims] audience"),
    "json_login": (
        lambda p: p.login.encoding == "json",
        "not applicable: login takes a form, not JSON",
    ),
    "body_refresh": (
        lambda p: p.refresh.transport in ("json", "form"),
        "not applicable: the refresh token does not travel in the body",
    ),
    "expires_in": (
        lambda p: bool(p.login.expires_in_field),
        "the profile declares no [login] expires_in_field",
    ),
    "token_type": (
        lambda p: bool(p.login.token_type_field),
        "the profile declares no [login] token_type_field",
    ),
    "public_path": (lambda p: bool(p.public_paths), "the profile declares no public path"),
}


# BCP 14 (RFC 2119, RFC 8174) keywords count only in capitals; "MUST NOT" is a MUST.
_MUST_WORDS = re.compile(r"\b(MUST|SHALL|REQUIRED)\b")
_SHOULD_WORDS = re.compile(r"\b(SHOULD|RECOMMENDED)\b")


def quote_level(quote: str) -> Level | None:
    """The level a case's quoted sentence sets: its BCP 14 keyword (MUST/SHALL/REQUIRED or
    SHOULD/RECOMMENDED). A sentence without one (the seed design, a status code's definition,
    an ASVS "Verify that") binds as MUST unless its words say "should" or "consider"
    (the seed's 应 and 考虑).
    None when the sentence holds both kinds of keyword, so it does not decide the level."""
    must, should = _MUST_WORDS.search(quote), _SHOULD_WORDS.search(quote)
    if must and should:
        return None
    if must:
        return Level.MUST
    if should or re.search(r"\b(should|consider)\b", quote):
        return Level.SHOULD
    return Level.MUST


def skip_reason(profile: Profile, needs: tuple[str, ...]) -> str | None:
    """Why a case needing `needs` cannot run on this profile, or None if it can."""
    for name in needs:
        present, reason = NEEDS[name]
        if not present(profile):
            return reason
    return None


# Needs that are absent because a declarable capability is: no reuse detection or grace window
# without rotation, no revocation at logout without a logout.
IMPLIED_BY: dict[str, str] = {
    "reuse_detection": "rotation",
    "grace": "rotation",
    "logout_revokes_access": "logout",
}
# Needs that only limit what the suite can probe (time control, a key, user hooks): they do not
# hide a deviation the team declared. Any other unmet need that is not declared absent (a cookie
# transport, a form login, a capability merely not mentioned...) keeps the case a SKIP.
PROBE_LIMITS = frozenset({"advance", "forge", "forge_refresh", "rate_window", "user_hooks"})


def declared_absent(profile: Profile, needs: tuple[str, ...]) -> str | None:
    """The capability the profile explicitly declares absent (`false`) that keeps a case
    needing `needs` from running, or None (then the case is a SKIP, if a need is unmet)."""
    declared = profile.capabilities.declared_absent
    found: list[str] = []
    for name in needs:
        if NEEDS[name][0](profile):
            continue
        if name in declared:
            found.append(name)
        elif IMPLIED_BY.get(name) in declared:
            found.append(IMPLIED_BY[name])
        elif name not in PROBE_LIMITS:
            return None
    return found[0] if found else None


@dataclass(frozen=True)
class Case:
    id: str
    family: str
    title: str
    sends: str
    requirement: str
    spec: str
    level: Level
    needs: tuple[str, ...]
    run: CaseRun = field(repr=False, compare=False)
    # The normative sentence the case enforces, quoted from `spec` (its keyword sets `level`).
    quote: str = ""
    # May run alongside its neighbours that may too (conformance.runner): it only sends
    # requests and judges their answers; it moves no clock, logs nothing out, changes no user
    # and counts nothing the target counts across cases.
    overlaps: bool = False
    # Proves every session it takes live (a control) or expects it to work, so that a session
    # a server revoked shows as a deviation: it may take one logged in before the test user
    # was disabled and enabled again (conformance.prefetch), and is decided again on fresh
    # logins if it deviates after that.
    checks_sessions: bool = False


@dataclass
class Family:
    """A group of cases on one topic (one module), declared with the `case` decorator."""

    key: str
    title: str
    cases: list[Case] = field(default_factory=list)

    def case(
        self,
        case_id: str,
        title: str,
        *,
        sends: str,
        requirement: str,
        spec: str,
        level: Level = Level.MUST,
        needs: tuple[str, ...] = (),
        quote: str = "",
        overlaps: bool = False,
        checks_sessions: bool = False,
    ) -> Callable[[CaseRun], CaseRun]:
        if not ID_PATTERN.match(case_id):
            raise ValueError(f"case ID {case_id!r} must look like FAMILY-TOPIC-01")
        for name in needs:
            if name not in NEEDS:
                raise ValueError(f"{case_id}: unknown capability {name!r}")

        def register(run: CaseRun) -> CaseRun:
            self.cases.append(
                Case(
                    case_id,
                    self.key,
                    title,
                    sends,
                    requirement,
                    spec,
                    level,
                    needs,
                    run,
                    quote,
                    overlaps,
                    checks_sessions,
                )
            )
            return run

        return register
