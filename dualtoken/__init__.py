"""The `dualtoken` command: one console script in front of the project's entry points."""

from __future__ import annotations

__all__: list[str] = []
