"""Two small faulty targets for the engine's own tests: one breaks a MUST, one only a SHOULD.

(The full set of one-rule-broken servers lives in tests/conformance/mutants/.)
"""

from __future__ import annotations

from typing import Any

from conformance.embedded import reference_app
from conformance.target import ASGIApp


def _without_header(app: ASGIApp, name: bytes) -> ASGIApp:
    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        async def filtered(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [(k, v) for k, v in message["headers"] if k.lower() != name],
                }
            await send(message)

        await app(scope, receive, filtered)

    return wrapped


def no_cache_control(**options: Any) -> ASGIApp:
    """Token responses lose Cache-Control: no-store (breaks a MUST of RFC 6749 §5.1)."""
    return _without_header(reference_app(**options), b"cache-control")


def no_pragma(**options: Any) -> ASGIApp:
    """Token responses lose Pragma: no-cache (breaks only a SHOULD)."""
    return _without_header(reference_app(**options), b"pragma")
