"""Settings: DUALTOKEN_* variables, the secret rules, and what cannot be combined."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr, ValidationError

from reference_server.config import DEV_SECRET, MIN_SECRET_BYTES, Settings, warn_if_dev

GOOD_SECRET = "s" * MIN_SECRET_BYTES


def refusal(**values: object) -> str:
    with pytest.raises(ValidationError) as caught:
        Settings(**values)  # type: ignore[arg-type]
    return str(caught.value)


def test_without_a_secret_the_server_refuses_to_start() -> None:
    assert "DUALTOKEN_SECRET is not set" in refusal()
    assert "DUALTOKEN_SECRET is not set" in refusal(secret="")


@pytest.mark.parametrize(
    "placeholder", ["your-secret-key", "changeme", "secret", " Secret ", "CHANGE-ME", DEV_SECRET]
)
def test_a_well_known_placeholder_is_refused(placeholder: str) -> None:
    assert "placeholder" in refusal(secret=placeholder)


def test_a_secret_shorter_than_32_bytes_is_refused() -> None:
    assert f"shorter than {MIN_SECRET_BYTES} bytes" in refusal(secret="s" * (MIN_SECRET_BYTES - 1))
    assert Settings(secret=SecretStr(GOOD_SECRET)).signing_key == GOOD_SECRET


@pytest.mark.parametrize(("algorithm", "minimum"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_the_minimum_secret_length_follows_the_algorithm(algorithm: str, minimum: int) -> None:
    # RFC 7518 §3.2: a key at least as long as the hash output.
    short, enough = "k" * (minimum - 1), "k" * minimum
    assert f"shorter than {minimum} bytes" in refusal(secret=short, algorithm=algorithm)
    settings = Settings(secret=SecretStr(enough), algorithm=algorithm)  # type: ignore[arg-type]
    assert settings.signing_key == enough


def test_the_secret_length_is_counted_in_bytes() -> None:
    assert "shorter" in refusal(secret="é" * 15)  # 30 bytes
    assert Settings(secret=SecretStr("é" * 16)).signing_key == "é" * 16  # 32 bytes


def test_the_refusal_says_how_to_fix_it() -> None:
    message = refusal()
    assert "secrets.token_urlsafe" in message
    assert "DUALTOKEN_DEV=1" in message


def test_dev_mode_starts_without_a_secret_on_the_fixed_dev_secret() -> None:
    assert Settings(dev=True).signing_key == DEV_SECRET
    assert Settings(dev=True, secret=SecretStr("short")).signing_key == DEV_SECRET
    assert Settings(dev=True, secret=SecretStr(GOOD_SECRET)).signing_key == GOOD_SECRET


def test_dev_mode_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="reference_server"):
        warn_if_dev(Settings(dev=True))
        warn_if_dev(Settings(secret=SecretStr(GOOD_SECRET)))
    assert len(caplog.records) == 1
    assert "DUALTOKEN_DEV=1" in caplog.records[0].getMessage()


def test_the_secret_is_not_shown_in_reprs() -> None:
    settings = Settings(secret=SecretStr(GOOD_SECRET))
    assert GOOD_SECRET not in repr(settings)
    assert GOOD_SECRET not in str(settings.model_dump())


def test_defaults_are_the_documented_ones() -> None:
    settings = Settings(secret=SecretStr(GOOD_SECRET))
    assert settings.access_ttl == 900
    assert settings.refresh_ttl == 604_800
    assert settings.leeway == 0
    assert settings.algorithm == "HS256"
    assert settings.store == "sqlite:///dualtoken.db"
    assert settings.rotation is False
    assert settings.rotation_grace == 0
    assert settings.test_clock is False
    assert settings.cors_origins == []
    assert settings.refresh_cookie is False
    assert settings.cookie_secure is True
    assert settings.refresh_rate_limit > 0


def test_settings_come_from_dualtoken_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "DUALTOKEN_SECRET": GOOD_SECRET,
        "DUALTOKEN_ACCESS_TTL": "60",
        "DUALTOKEN_REFRESH_TTL": "3600",
        "DUALTOKEN_ROTATION": "1",
        "DUALTOKEN_ROTATION_GRACE": "5",
        "DUALTOKEN_TEST_CLOCK": "true",
        "DUALTOKEN_LEEWAY": "2",
        "DUALTOKEN_STORE": "redis://127.0.0.1:6379/0",
        "DUALTOKEN_CORS_ORIGINS": " https://a.example, https://b.example ,,",
        "DUALTOKEN_ISSUER": "",
        "DUALTOKEN_COOKIE_SECURE": "0",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.signing_key == GOOD_SECRET
    assert (settings.access_ttl, settings.refresh_ttl, settings.leeway) == (60, 3600, 2)
    assert settings.rotation is True
    assert settings.rotation_grace == 5
    assert settings.test_clock is True
    assert settings.store == "redis://127.0.0.1:6379/0"
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.issuer is None
    assert settings.cookie_secure is False


def test_a_refresh_lifetime_not_longer_than_the_access_lifetime_is_refused() -> None:
    assert "DUALTOKEN_REFRESH_TTL" in refusal(dev=True, access_ttl=600, refresh_ttl=600)


@pytest.mark.parametrize(
    "values",
    [
        {"access_ttl": 0},
        {"refresh_ttl": -1},
        {"leeway": -1},
        {"rotation_grace": -5},
        {"refresh_rate_limit": -1},
        {"refresh_rate_window": 0},
        {"max_body": 0},
        {"algorithm": "none"},
        {"algorithm": "RS256"},
    ],
)
def test_out_of_range_values_are_refused(values: dict[str, object]) -> None:
    (field,) = values
    assert field in refusal(dev=True, **values)  # the refusal names the setting


def test_a_wildcard_origin_cannot_be_mixed_with_explicit_ones() -> None:
    assert "'*'" in refusal(dev=True, cors_origins=["*", "https://a.example"])
