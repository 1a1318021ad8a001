"""What a load run needs to know about its target, read from a conformance target profile.

The profile format is the conformance suite's (`conformance.profile`); this module is the thin
adapter between that format and the load clients, so a change there touches only this file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from conformance.forge import Forger
from conformance.profile import (
    LogoutRequest,
    Profile,
    ProfileError,
    Signing,
    default_profile_path,
    load_profile,
    parse_profile,
)

__all__ = [
    "LoadTarget",
    "ProfileError",
    "TimeMode",
    "load_target",
    "read_profile_text",
]

TimeMode = Literal["clock", "forge", "wait"]
TIME_MODES: tuple[TimeMode, ...] = ("clock", "forge", "wait")
# Wait mode sleeps through one access lifetime per step; longer than this is not a load run.
MAX_WAIT = 30


@dataclass(frozen=True)
class LoadTarget:
    """Paths, field names, statuses and time facts of one dual-token server."""

    name: str
    base_url: str
    username: str
    password: str
    login_path: str
    login_encoding: str  # "json" or "form"
    username_field: str
    password_field: str
    access_field: str
    refresh_field: str
    refresh_path: str
    refresh_transport: str  # "json", "form", "bearer" or "cookie"
    refresh_carrier_field: str  # body field, or cookie name for the cookie transport
    refresh_access_field: str
    refresh_refresh_field: str
    logout: tuple[LogoutRequest, ...]  # the sequence that makes revoked tokens
    protected_path: str
    signing: Signing
    access_lifetime: int
    refresh_lifetime: int
    leeway: int
    time_mode: TimeMode
    clock_path: str
    rejections: tuple[int, ...]  # statuses that are a correct refusal of a protected request
    refresh_rejections: tuple[int, ...]  # the same for /refresh
    logout_revokes_access: bool
    rotation: bool
    reuse_detection: bool
    rotation_grace: int
    source: str

    @property
    def can_forge(self) -> bool:
        return self.signing.can_forge

    def forger(self) -> Forger:
        return Forger(self.signing)

    def expired_copy(self, token: str, now: float) -> str:
        """`token` re-signed with `iat`/`exp` in the past: genuine but for its age.

        Raises conformance's HarnessError or Skipped when the profile's key cannot sign.
        """
        issued = int(now) - self.access_lifetime - self.leeway - 120
        return self.forger().resign(
            token, changes={"iat": issued, "exp": int(now) - self.leeway - 60}
        )

    @property
    def expiry_step(self) -> int:
        """Seconds a clock must move so that every access token issued before is expired."""
        return self.access_lifetime + self.leeway + 1


def read_profile_text(path: str | Path | None) -> tuple[str, str]:
    """The TOML text of a profile file and its name; None means the reference server's profile.

    The text (not the path) travels from the Locust master to its workers, so workers on other
    machines need no copy of the file.
    """
    file = Path(path) if path is not None else default_profile_path()
    load_profile(file)  # fail here, with the profile's own message, before any load starts
    try:
        return file.read_text(encoding="utf-8"), str(file)
    except OSError as exc:
        raise ProfileError(f"profile error: cannot read {file}: {exc.strerror}") from None


def load_target(
    profile_text: str,
    *,
    source: str,
    base_url: str | None = None,
    time_mode: str | None = None,
    access_lifetime: int | None = None,
) -> LoadTarget:
    """Build the load facts from profile text; the keyword arguments override the profile.

    Raises ProfileError with a message fit for the command line.
    """
    import tomllib

    try:
        data = tomllib.loads(profile_text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile error: {source} is not valid TOML: {exc}") from None
    base_dir = Path(source).parent if source and not source.startswith("<") else None
    profile = parse_profile(data, source=source, base_dir=base_dir)
    url = (base_url or profile.target.base_url).rstrip("/")
    if not url:
        raise ProfileError(
            f"profile error: {source} names no base_url (it describes an in-process app); "
            "give the target's URL with --host"
        )
    if not url.startswith(("http://", "https://")):
        raise ProfileError(
            f"profile error: --host: expected an http:// or https:// URL, got {url!r}"
        )
    target = _from_profile(profile, url, _time_mode(profile, time_mode))
    if access_lifetime is not None:
        if access_lifetime < 1:
            raise ProfileError("--access-lifetime must be at least 1 second")
        target = replace(target, access_lifetime=access_lifetime)
    if target.time_mode == "wait" and target.expiry_step > MAX_WAIT:
        raise ProfileError(
            f"profile error: [time] mode: 'wait' would wait {target.expiry_step}s for each "
            f"expiry (access lifetime {target.access_lifetime}s); give the target short "
            f"lifetimes (at most {MAX_WAIT - 1}s) or use 'clock' or 'forge'"
        )
    return target


def _time_mode(profile: Profile, override: str | None) -> TimeMode:
    wanted = override or profile.time.mode
    if wanted == "freeze":
        # Freezing needs the app in this process; a server over HTTP is moved by its clock hook.
        # Profiles of in-process apps that load runs start as real servers with the test clock.
        wanted = "clock"
    if wanted not in TIME_MODES:
        raise ProfileError(
            f"profile error: --time-mode: expected one of {', '.join(TIME_MODES)}, got {wanted!r}"
        )
    mode: TimeMode = wanted
    if mode == "forge" and not profile.signing.can_forge:
        raise ProfileError(
            "profile error: [time] mode: 'forge' needs a signing key in [signing]; "
            "use 'clock' or 'wait' for this target"
        )
    return mode


def _from_profile(profile: Profile, base_url: str, time_mode: TimeMode) -> LoadTarget:
    rejection = profile.rejection
    return LoadTarget(
        name=profile.target.name,
        base_url=base_url,
        username=profile.credentials.username,
        password=profile.credentials.password,
        login_path=profile.login.path,
        login_encoding=profile.login.encoding,
        username_field=profile.login.username_field,
        password_field=profile.login.password_field,
        access_field=profile.login.access_token_field,
        refresh_field=profile.login.refresh_token_field,
        refresh_path=profile.refresh.path,
        refresh_transport=profile.refresh.transport,
        refresh_carrier_field=profile.refresh.field,
        refresh_access_field=profile.refresh.access_token_field,
        refresh_refresh_field=profile.refresh.refresh_token_field,
        logout=profile.logout,
        protected_path=profile.protected_paths[0],
        signing=profile.signing,
        access_lifetime=profile.lifetimes.access,
        refresh_lifetime=profile.lifetimes.refresh,
        leeway=profile.lifetimes.leeway,
        time_mode=time_mode,
        clock_path=profile.time.clock_path,
        rejections=tuple(dict.fromkeys(rejection.statuses + rejection.tolerated)),
        refresh_rejections=rejection.refresh,
        logout_revokes_access=profile.capabilities.logout_revokes_access,
        rotation=profile.capabilities.rotation,
        reuse_detection=profile.capabilities.reuse_detection,
        rotation_grace=profile.refresh.rotation_grace,
        source=profile.source,
    )
