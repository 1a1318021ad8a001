"""Where /refresh's CPU goes, layer by layer, measured in this process.

Each layer is timed alone (CPU time of this process over many calls, best of a few runs) with
the reference server's own objects: the token signature check and signing, the revocation
lookup in a SQLite file, the user check, the rate limiter, and then the whole ASGI app handling
a /refresh (every middleware and check, no HTTP server). What the over-HTTP figure has on top of
the whole app is the HTTP server: uvicorn, its parser and the event loop.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import jwt

from reference_server.app import create_app
from reference_server.auth import jti_key, sid_key
from reference_server.config import Settings
from reference_server.deps import Services
from reference_server.jws import HmacJws
from reference_server.tokens import REQUIRED_CLAIMS

ROUNDS = 5


def _cpu_us(run: Callable[[int], None], calls: int) -> float:
    """Best of ROUNDS: CPU µs per call of run(calls)."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        run(calls)
        best = min(best, time.process_time() - started)
    return 1e6 * best / calls


def _async_cpu_us(make: Callable[[int], Awaitable[None]], calls: int) -> float:
    return _cpu_us(lambda n: asyncio.run(make(n)), calls)


def _claims(number: int, kind: str = "refresh") -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": "user1",
        "type": kind,
        "jti": f"jti-{number}",
        "sid": f"sid-{number}",
        "iat": now,
        "exp": now + 3600,
    }


def measure_layers() -> dict[str, float]:
    """CPU µs per /refresh spent in each layer, in this process."""
    settings = Settings(dev=True, store="memory://", refresh_rate_limit=1_000_000_000)
    key, algorithm = settings.signing_key, settings.algorithm
    tokens = [jwt.encode(_claims(n), key, algorithm=algorithm) for n in range(20_000)]
    fast = HmacJws(key, algorithm, REQUIRED_CLAIMS)
    options = {"require": list(REQUIRED_CLAIMS), "verify_exp": False, "verify_iat": False}
    figures: dict[str, float] = {}

    def pyjwt_both(calls: int) -> None:
        for n in range(calls):
            jwt.decode(tokens[n], key, algorithms=[algorithm], options=options)  # type: ignore[arg-type]
            jwt.encode(_claims(n, "access"), key, algorithm=algorithm)

    def ours_both(calls: int) -> None:
        for n in range(calls):
            fast.accept(tokens[n])
            fast.sign(_claims(n, "access"))

    figures["PyJWT decode + encode (the seed's way, for scale)"] = _cpu_us(pyjwt_both, 5000)
    figures["token check + signing (reference_server.jws)"] = _cpu_us(ours_both, 5000)

    with tempfile.TemporaryDirectory(prefix="dualtoken-layers-") as folder:
        sqlite = Settings(
            dev=True,
            store=f"sqlite:///{Path(folder) / 'layers.db'}",
            refresh_rate_limit=1_000_000_000,
        )
        app = create_app(sqlite)
        services: Services = app.state.services

        async def revocation(calls: int) -> None:
            for n in range(calls):
                await services.store.any_revoked((f"jti:{n}", f"sid:{n}"))

        async def user(calls: int) -> None:
            for _ in range(calls):
                services.users.active("user1")

        async def limiter(calls: int) -> None:
            for n in range(calls):
                await services.refresh_limiter.check(f"10.0.{n % 250}.{n % 7}", float(n))

        figures["revocation lookup, jti + session (SQLite file)"] = _async_cpu_us(revocation, 5000)
        figures["user check"] = _async_cpu_us(user, 5000)
        figures["rate limiter"] = _async_cpu_us(limiter, 5000)
        fresh = itertools.cycle(tokens)
        figures["whole ASGI app: middleware, parsing, checks, answer"] = _async_cpu_us(
            lambda calls: _calls(app, "/refresh", fresh, calls), 4000
        )
        asyncio.run(services.store.close())
    assert jti_key and sid_key  # the lookup above uses the keys' real shape
    return figures


async def _calls(app: Any, path: str, tokens: Iterator[str], calls: int) -> None:
    """*calls* requests to *path* through the whole ASGI app, the next token on each: as a body
    `{"refresh_token": …}` to /refresh, as a Bearer header to /protected. The callers cycle
    through more tokens than all rounds use, so the server's cache of verified tokens never
    hits: a new token each request, as in the over-HTTP figure."""
    sent: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent.append(message["status"])

    for _ in range(calls):
        token = next(tokens).encode()
        headers = [(b"host", b"127.0.0.1")]
        body = b""
        if path == "/refresh":
            body = b'{"refresh_token": "' + token + b'"}'
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
        else:
            headers.append((b"authorization", b"Bearer " + token))

        async def receive(body: bytes = body) -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST" if path == "/refresh" else "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        await app(scope, receive, send)
    if set(sent) != {200}:
        raise RuntimeError(f"in-process {path} answered {sorted(set(sent))}, not only 200")


def measure_protected_layers() -> dict[str, float]:
    """CPU µs per /protected (a new token each request) in each layer, in this process."""
    with tempfile.TemporaryDirectory(prefix="dualtoken-layers-") as folder:
        settings = Settings(dev=True, store=f"sqlite:///{Path(folder) / 'protected.db'}")
        key, algorithm = settings.signing_key, settings.algorithm
        tokens = [jwt.encode(_claims(n, "access"), key, algorithm=algorithm) for n in range(30_000)]
        checked, requested = itertools.cycle(tokens[:8000]), itertools.cycle(tokens[8000:])
        app = create_app(settings)
        services: Services = app.state.services
        figures: dict[str, float] = {}

        def token_check(calls: int) -> None:
            for _ in range(calls):
                services.auth.tokens.decode(next(checked), expected="access", now=time.time())

        async def revocation(calls: int) -> None:
            for n in range(calls):
                await services.store.any_revoked((f"jti:{n}", f"sid:{n}"))

        figures["token check: signature, claims, times (reference_server.jws)"] = _cpu_us(
            token_check, 5000
        )
        figures["revocation lookup, jti + session (SQLite file)"] = _async_cpu_us(revocation, 5000)
        figures["whole ASGI app: middleware, checks, answer"] = _async_cpu_us(
            lambda calls: _calls(app, "/protected", requested, calls), 4000
        )
        # FastAPI's own per-request question "has an OpenTelemetry provider been set?", which
        # the reference server settles once at start (app.telemetry_config); the seed pays it.
        with mock.patch("reference_server.app.telemetry_config", return_value=None):
            asked = create_app(settings)
        figures["  FastAPI's per-request telemetry check (not paid; the seed pays it)"] = (
            _async_cpu_us(lambda calls: _calls(asked, "/protected", requested, calls), 4000)
            - figures["whole ASGI app: middleware, checks, answer"]
        )
        asyncio.run(services.store.close())
    return figures


def print_layers(
    over_http_us: dict[str, float] | None = None, protected_us: dict[str, float] | None = None
) -> None:
    """Print the layers; with over-HTTP figures (stack -> µs), the HTTP server's share too."""
    figures = measure_layers()
    whole = figures["whole ASGI app: middleware, parsing, checks, answer"]
    print("\nwhere POST /refresh's server CPU goes (in-process, µs per request, best of 5):")
    for name, value in figures.items():
        print(f"  {name:66} {value:7.1f}")
    named = sum(value for name, value in figures.items() if not name.startswith(("PyJWT", "whole")))
    glue = "  of which framework glue (whole app minus the four above)"
    print(f"  {glue:66} {whole - named:7.1f}")
    for stack, total in (over_http_us or {}).items():
        layer = f"HTTP server, {stack} (over-HTTP figure minus whole app)"
        print(f"  {layer:66} {total - whole:7.1f}")
    protected = measure_protected_layers()
    whole = protected["whole ASGI app: middleware, checks, answer"]
    print("\nwhere GET /protected's (new token each request) server CPU goes (same way):")
    for name, value in protected.items():
        print(f"  {name:66} {value:7.1f}")
    checks = sum(value for name, value in protected.items() if name.startswith(("token", "revoc")))
    glue = "  of which framework glue (whole app minus the two checks)"
    print(f"  {glue:66} {whole - checks:7.1f}")
    for stack, total in (protected_us or {}).items():
        layer = f"HTTP server, {stack} (over-HTTP figure minus whole app)"
        print(f"  {layer:66} {total - whole:7.1f}")
