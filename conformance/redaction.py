"""Keeps live credentials out of reports, which end up as CI artifacts.

Every JWT keeps its header and payload (what a reader needs to follow a case) and loses its
signature, without which it is useless to anyone who finds the report; the opaque tokens the
target handed out keep a few leading characters; the profile's password and signing secret go
entirely. `--show-secrets` turns all of this off for local debugging.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

__all__ = ["Redactor"]

# A compact JWS: base64url header starting with '{"', payload, and a non-empty signature. All
# that follows the second dot is cut, dots included: a mangled token (a doubled dot, a JWE's
# five parts) must not leave a real signature readable after a cut that stopped too early.
JWT = re.compile(r"(eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.)([A-Za-z0-9_.-]*[A-Za-z0-9_-])")
# Opaque tokens shorter than this are not tracked: replacing them could mangle ordinary text.
MIN_OPAQUE = 12
OPAQUE_KEPT = 4
# Secrets shorter than this would match too much ordinary text to be cut safely.
MIN_SECRET = 4


def _cut_signature(match: re.Match[str]) -> str:
    return f"{match.group(1)}<sig {len(match.group(2))} chars cut>"


def _spellings(value: str) -> set[str]:
    """How a secret may appear in a request or answer: as it is, inside a JSON string, or
    form/URL-encoded."""
    return {value, json.dumps(value)[1:-1], quote_plus(value), quote(value, safe="")}


class Redactor:
    """`redactor(text)` is `text` with every known secret and token shortened."""

    def __init__(self, *, show: bool = False) -> None:
        self.show = show
        self._replacements: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def secret(self, value: str, label: str) -> None:
        """A value that never appears in reports (the password, the signing secret)."""
        if len(value) >= MIN_SECRET:
            for spelling in _spellings(value):
                self._replacements[spelling] = f"<{label} cut>"
            self._pattern = None

    def tokens(self, values: Iterable[str]) -> None:
        """Tokens the target handed out; JWTs are handled by shape, opaque ones are noted."""
        for value in values:
            if len(value) >= MIN_OPAQUE and not JWT.fullmatch(value):
                cut = f"{value[:OPAQUE_KEPT]}...<{len(value) - OPAQUE_KEPT} chars cut>"
                self._replacements.setdefault(value, cut)
                self._pattern = None

    def __call__(self, text: str) -> str:
        if self.show or not text:
            return text
        if self._replacements:
            if self._pattern is None:
                # Longest first, so that a secret inside a longer one does not split it.
                ordered = sorted(self._replacements, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(value) for value in ordered))
            text = self._pattern.sub(lambda m: self._replacements[m.group(0)], text)
        return JWT.sub(_cut_signature, text)

    def bytes(self, data: bytes) -> bytes:
        """The same for a body: bytes map one-to-one onto latin-1, and replacements are ASCII."""
        if self.show or not data:
            return data
        return self(data.decode("latin-1")).encode("latin-1")
