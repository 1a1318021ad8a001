"""Settings from DUALTOKEN_* environment variables; unsafe secrets refused outside dev mode."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

log = logging.getLogger("reference_server")

# A fixed dev secret (not a random one) so that several workers, a restarted server and the
# conformance suite's token forger all agree on it. It is refused outside dev mode.
DEV_SECRET = "dualtoken-dev-secret/never-use-this-one-in-production"
MIN_SECRET_BYTES = 32
# RFC 7518 §3.2: an HMAC key at least as long as the hash output.
MIN_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}

# Secrets seen in tutorials and templates, the seed's own among them.
PLACEHOLDER_SECRETS = frozenset(
    {
        "your-secret-key",
        "your_secret_key",
        "secret",
        "secret-key",
        "secret_key",
        "changeme",
        "change-me",
        "changethis",
        "change-this",
        "supersecret",
        "jwt-secret",
        "password",
        "dev",
        "development",
        "test",
        DEV_SECRET,
    }
)


class SettingsError(ValueError):
    """The settings cannot be used; the message says which variable and why."""


class Settings(BaseSettings):
    """Every knob of the reference server; see the README's settings table."""

    model_config = SettingsConfigDict(env_prefix="DUALTOKEN_", extra="ignore", frozen=True)

    secret: SecretStr | None = None
    dev: bool = False
    algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_ttl: int = Field(default=900, gt=0)
    refresh_ttl: int = Field(default=604_800, gt=0)
    leeway: int = Field(default=0, ge=0)
    issuer: str | None = None
    audience: str | None = None
    store: str = "sqlite:///dualtoken.db"
    rotation: bool = False
    rotation_grace: int = Field(default=0, ge=0)
    refresh_rate_limit: int = Field(default=30, ge=0)
    refresh_rate_window: int = Field(default=60, gt=0)
    test_clock: bool = False
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    refresh_cookie: bool = False
    cookie_secure: bool = True
    users_file: Path | None = None
    frontend_dist: Path | None = None
    max_body: int = Field(default=65_536, gt=0)
    # How many server processes share the store. `python -m reference_server --workers N` sets
    # it for its workers; with SQLite and more than one, the refresh rate limit and the login
    # throttle are counted in the file (with one, in the process: the same count, cheaper).
    workers: int = Field(default=1, ge=1)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("issuer", "audience", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _check_consistency(self) -> Settings:
        if self.refresh_ttl <= self.access_ttl:
            raise ValueError("DUALTOKEN_REFRESH_TTL must be longer than DUALTOKEN_ACCESS_TTL")
        if "*" in self.cors_origins and len(self.cors_origins) > 1:
            raise ValueError("DUALTOKEN_CORS_ORIGINS: '*' cannot be mixed with explicit origins")
        if not self.dev:
            _check_secret(self.secret, self.algorithm)
        return self

    @property
    def signing_key(self) -> str:
        """The HMAC key: the configured secret, or in dev mode the fixed dev secret."""
        usable = _secret_problem(self.secret, self.algorithm) is None
        if self.secret is not None and (not self.dev or usable):
            return self.secret.get_secret_value()
        return DEV_SECRET


def _secret_problem(secret: SecretStr | None, algorithm: str = "HS256") -> str | None:
    if secret is None or not secret.get_secret_value():
        return "DUALTOKEN_SECRET is not set"
    value = secret.get_secret_value()
    if value.strip().lower() in PLACEHOLDER_SECRETS:
        return "DUALTOKEN_SECRET is a well-known placeholder"
    minimum = MIN_KEY_BYTES.get(algorithm, MIN_SECRET_BYTES)
    if len(value.encode()) < minimum:
        return f"DUALTOKEN_SECRET is shorter than {minimum} bytes (the minimum for {algorithm})"
    return None


def _check_secret(secret: SecretStr | None, algorithm: str) -> None:
    problem = _secret_problem(secret, algorithm)
    if problem is not None:
        raise ValueError(
            f"{problem}; set a random secret of at least {MIN_KEY_BYTES[algorithm]} bytes "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
            "or DUALTOKEN_DEV=1 for local development"
        )


def warn_if_dev(settings: Settings) -> None:
    """Say loudly that dev mode is on, since it weakens the server on purpose."""
    if settings.dev:
        problem = _secret_problem(settings.secret, settings.algorithm)
        detail = f" ({problem}; using the fixed dev secret)" if problem else ""
        log.warning("DUALTOKEN_DEV=1: development mode, demo user user1 enabled%s", detail)
