"""dualtoken's reference server: the seed's dual-token design, done properly."""

from __future__ import annotations

from reference_server.app import create_app
from reference_server.config import Settings

__all__ = ["Settings", "create_app"]
