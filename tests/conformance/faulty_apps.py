"""Two small faulty targets for the engine's own tests: one breaks a MUST, one only a SHOULD.

(The full set of one-rule-broken servers lives in tests/conformance/mutants/; these two are
built from its parts, and match its token-response-cached and no-pragma mutants.)
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp

from conformance.embedded import reference_app
from tests.conformance.mutants.http import RewriteResponse, drop_header


def no_cache_control(**options: Any) -> ASGIApp:
    """Token responses lose Cache-Control: no-store (breaks a MUST of RFC 6749 §5.1)."""
    return RewriteResponse(reference_app(**options), headers=drop_header(b"cache-control"))


def no_pragma(**options: Any) -> ASGIApp:
    """Token responses lose Pragma: no-cache (breaks only a SHOULD)."""
    return RewriteResponse(reference_app(**options), headers=drop_header(b"pragma"))
