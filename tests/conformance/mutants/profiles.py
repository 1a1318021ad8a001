"""The profiles mutants run against: the reference profile variant that has the mutant's feature
on (rotation, grace, cookie, issuer/audience, persistence across restart, several workers)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal, get_args

from conformance.embedded import EMBEDDED_DEFAULTS
from conformance.profile import Profile, load_profile
from reference_server.config import Settings

PROFILE_DIR = Path(__file__).resolve().parents[3] / "conformance" / "profiles"

Variant = Literal["default", "rotation", "grace", "cookie", "issuer", "durable", "workers"]
VARIANTS: tuple[Variant, ...] = get_args(Variant)

ISSUER = "https://issuer.test"
AUDIENCE = "dualtoken-api"


def _with_options(profile: Profile, **options: object) -> Profile:
    target = replace(profile.target, app_options={**profile.target.app_options, **options})
    return replace(profile, target=target)


def variant_profile(variant: Variant, tmp: Path) -> Profile:
    """The profile of `variant`; `tmp` holds the SQLite file of the durable variant."""
    if variant in ("default", "rotation", "grace", "cookie"):
        name = "reference.toml" if variant == "default" else f"reference-{variant}.toml"
        return load_profile(PROFILE_DIR / name)
    base = load_profile(PROFILE_DIR / "reference.toml")
    if variant == "issuer":
        profile = _with_options(base, issuer=ISSUER, audience=AUDIENCE)
        return replace(profile, claims=replace(profile.claims, issuer=ISSUER, audience=AUDIENCE))
    if variant == "workers":
        return replace(base, capabilities=replace(base.capabilities, workers=2))
    # durable: rotation on a SQLite file; an in-process restart rebuilds the app on that file.
    rotation = load_profile(PROFILE_DIR / "reference-rotation.toml")
    durable = _with_options(rotation, store=f"sqlite:///{tmp / 'mutant.db'}")
    return replace(durable, capabilities=replace(durable.capabilities, persistence=True))


def settings_for(profile: Profile) -> Settings:
    """The Settings the embedded server gets for `profile` (as conformance.embedded builds it)."""
    return Settings(**{**EMBEDDED_DEFAULTS, **profile.target.app_options})
