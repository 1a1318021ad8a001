"""The embedded reference server, built in-process for the default profile (no network)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI

__all__ = ["reference_app"]

# Pinned so that DUALTOKEN_* variables in the caller's shell cannot change what the default
# profile promises; a profile's app_options override any of them.
EMBEDDED_DEFAULTS: dict[str, Any] = {
    "dev": True,
    "test_clock": True,
    "store": "memory://",
    "algorithm": "HS256",
    "access_ttl": 900,
    "refresh_ttl": 604_800,
    "leeway": 0,
    "issuer": None,
    "audience": None,
    "rotation": False,
    "rotation_grace": 0,
    "refresh_rate_limit": 30,
    "refresh_rate_window": 60,
    "refresh_cookie": False,
    "cookie_secure": True,
    "max_body": 65_536,
    "users_file": None,
    "frontend_dist": None,
    "cors_origins": [],
}


def reference_app(**options: Any) -> FastAPI:
    """`create_app` with the embedded defaults and `options` (Settings field names) on top."""
    from reference_server.app import create_app
    from reference_server.config import Settings

    # The dev-mode warning is meant for people starting a server, not for every suite run.
    logging.getLogger("reference_server").setLevel(logging.ERROR)
    return create_app(Settings(**{**EMBEDDED_DEFAULTS, **options}))
