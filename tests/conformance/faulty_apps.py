"""Two small faulty targets for the engine's own tests: one breaks a MUST, one only a SHOULD.

(The full set of one-rule-broken servers lives in tests/conformance/mutants/; these two are
built from its parts, and match its token-response-cached and challenge-always-has-error
mutants.)
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp

from conformance.embedded import reference_app
from tests.conformance.mutants.http import RewriteResponse, drop_header
from tests.conformance.mutants.http import (
    challenge_always_has_error as challenge_always_has_error_edit,
)


def no_cache_control(**options: Any) -> ASGIApp:
    """Token responses lose Cache-Control: no-store (breaks a MUST of RFC 6749 §5.1)."""
    return RewriteResponse(reference_app(**options), headers=drop_header(b"cache-control"))


def challenge_always_has_error(**options: Any) -> ASGIApp:
    """The Bearer challenge names an error even when no credentials were sent (breaks only a
    SHOULD: RFC 6750 §3.1). Pragma: no-cache used to serve here, until its level was read from
    RFC 6749 §5.1, where it is a MUST."""
    return RewriteResponse(reference_app(**options), headers=challenge_always_has_error_edit)
