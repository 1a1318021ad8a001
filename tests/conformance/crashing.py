"""A target with an unhandled exception, served by real uvicorn on 127.0.0.1.

The reference server, except that an Authorization header whose bearer token is not three
dot-separated parts raises (as an unguarded `jwt.decode` does in many real servers). Starlette
answers that with a 500 and re-raises; uvicorn then closes the keep-alive connection without
having sent `Connection: close`. Everything else is the reference server, so every case that
does not send such a header has a real verdict to reach.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.embedded import reference_app
from tests.servers import LOOPBACK, free_port

__all__ = ["crashing_app", "serve_app"]


class CrashOnMalformedBearer:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                scheme, _, token = value.partition(b" ")
                bearer = name == b"authorization" and scheme.lower() == b"bearer"
                if bearer and token.count(b".") != 2:
                    raise ValueError("Not enough segments")
        await self.app(scope, receive, send)


def crashing_app(**options: Any) -> ASGIApp:
    app = reference_app(**{"test_clock": True, **options})
    app.add_middleware(CrashOnMalformedBearer)
    return app


@contextmanager
def serve_app(app: ASGIApp) -> Iterator[str]:
    """Serve `app` with uvicorn (h11 or httptools, whichever it picks) in a thread on a free
    loopback port; yield its base URL."""
    config = uvicorn.Config(
        app, host=LOOPBACK, port=free_port(), log_level="critical", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="crashing-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://{LOOPBACK}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(10)
