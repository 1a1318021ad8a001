"""The application factory: wires settings, store, tokens, users and routes together."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from reference_server.auth import AuthService
from reference_server.clock import Clock
from reference_server.config import Settings
from reference_server.deps import Services
from reference_server.errors import install_error_handlers
from reference_server.frontend import mount_frontend
from reference_server.hotpath import HotRoutes
from reference_server.login_throttle import LoginThrottle, SharedLoginThrottle
from reference_server.middleware import BodyLimit
from reference_server.ratelimit import RateLimiter, SharedRateLimiter
from reference_server.routes import auth, resources, test_hooks
from reference_server.shared_users import PullSharedUsers, SharedUsers
from reference_server.store import RedisStore, SQLiteStore, TokenStore, open_store
from reference_server.tokens import TokenService
from reference_server.users import DEMO_HASHER, DEMO_PASSWORD, DEMO_USERNAME, UserDirectory


def token_options(settings: Settings) -> dict[str, Any]:
    """The TokenService arguments that the settings determine."""
    return {
        "key": settings.signing_key,
        "algorithm": settings.algorithm,
        "access_ttl": settings.access_ttl,
        "refresh_ttl": settings.refresh_ttl,
        "leeway": settings.leeway,
        "issuer": settings.issuer,
        "audience": settings.audience,
    }


def build_services(
    settings: Settings,
    *,
    store: TokenStore | None = None,
    users: UserDirectory | None = None,
    tokens: TokenService | None = None,
) -> Services:
    """Everything a request needs. Tests and the mutation suite swap single parts in."""
    store = store if store is not None else open_store(settings.store)
    users = users if users is not None else default_users(settings)
    tokens = tokens if tokens is not None else TokenService(**token_options(settings))
    auth_service = AuthService(
        tokens=tokens,
        store=store,
        users=users,
        rotation=settings.rotation,
        rotation_grace=settings.rotation_grace,
    )
    return Services(
        settings=settings,
        clock=Clock(store, adjustable=settings.test_clock),
        store=store,
        users=users,
        auth=auth_service,
        refresh_limiter=_refresh_limiter(settings, store),
        shared_users=SharedUsers(users, store),
        login_throttle=_login_throttle(settings, store),
    )


def _counts_for_every_worker(
    settings: Settings, store: TokenStore
) -> RedisStore | SQLiteStore | None:
    """The store in which the limits must be counted, or None to count them in this process.

    Workers and instances sharing a Redis store share its budgets too; so do the workers of
    one server on a SQLite file. Counted per process, N workers would allow N x the limit.
    """
    if isinstance(store, RedisStore):
        return store
    if isinstance(store, SQLiteStore) and settings.workers > 1:
        return store
    return None


def _refresh_limiter(settings: Settings, store: TokenStore) -> RateLimiter:
    limit, window = settings.refresh_rate_limit, settings.refresh_rate_window
    shared = _counts_for_every_worker(settings, store)
    if shared is not None:
        return SharedRateLimiter(limit=limit, window=window, store=shared)
    return RateLimiter(limit=limit, window=window)


def _login_throttle(settings: Settings, store: TokenStore) -> LoginThrottle:
    shared = _counts_for_every_worker(settings, store)
    return SharedLoginThrottle(store=shared) if shared is not None else LoginThrottle()


def default_users(settings: Settings) -> UserDirectory:
    users = UserDirectory(DEMO_HASHER) if settings.dev else UserDirectory()
    if settings.users_file is not None:
        users.load_file(settings.users_file)
    if settings.dev and users.get(DEMO_USERNAME) is None:
        users.put(DEMO_USERNAME, password=DEMO_PASSWORD)
    return users


# The OpenTelemetry API's stand-ins until a real provider is set (the classes FastAPI itself
# treats as "not configured").
_STAND_IN_PROVIDERS = frozenset(
    {"ProxyTracerProvider", "_ProxyMeterProvider", "ProxyLoggerProvider"}
)
TELEMETRY_OFF = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def telemetry_config() -> dict[str, bool] | None:
    """FastAPI's native OpenTelemetry as configured (None), or switched off where nothing is
    set up.

    FastAPI (0.165 here) asks on every request whether a tracer, meter or logger provider has
    been set since the last request: three lookups deep in the OpenTelemetry API, each reading
    the environment, 6-11 µs a request here, about half of a /protected's own checks. A
    provider set before the app is built (`opentelemetry-instrument`, an SDK configured at
    import) or `FASTAPI_OTEL_AUTO_CONFIGURE=true` keeps FastAPI's telemetry exactly as it is;
    with none of them it is turned off once, here, instead of being asked about on every
    request. A FastAPI without native telemetry gets None: nothing to turn off.
    """
    if importlib.util.find_spec("fastapi.telemetry") is None:
        return None
    if os.getenv("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true":
        return None
    from opentelemetry import _logs, metrics, trace

    providers = (
        trace.get_tracer_provider(),
        metrics.get_meter_provider(),
        _logs.get_logger_provider(),
    )
    if any(type(provider).__name__ not in _STAND_IN_PROVIDERS for provider in providers):
        return None
    return dict(TELEMETRY_OFF)


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    hot_routes: bool = True,
) -> FastAPI:
    """The reference server. Everything is built here, not in lifespan, so in-process (ASGI
    transport) clients that never run lifespan get a working app.

    *hot_routes* False leaves /public, /protected and /refresh to FastAPI alone (the tests
    compare both ways' answers byte for byte)."""
    settings = settings if settings is not None else Settings()
    services = services if services is not None else build_services(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await services.store.close()

    telemetry = telemetry_config()
    # Only passed when set: a FastAPI without native telemetry has no such argument.
    options: dict[str, Any] = {"telemetry": telemetry} if telemetry is not None else {}
    app = FastAPI(
        **options,
        title="dualtoken reference server",
        summary="Short-lived JWT access token + long-lived refresh token, done properly.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app)
    app.include_router(auth.router)
    app.include_router(resources.router)
    if settings.test_clock:
        app.include_router(test_hooks.router)
    if settings.frontend_dist is not None:
        mount_frontend(app, settings.frontend_dist)
    if hot_routes:
        # Added first, so it runs innermost: CORS and the size limits below still wrap it.
        app.add_middleware(HotRoutes, services=services)
    if settings.test_clock:
        # Outside the hot routes: the hooks change users, and every worker and every route must
        # see the change (one store read a request, only while the hooks are on).
        app.add_middleware(PullSharedUsers, shared=services.shared_users)
    if settings.cors_origins:
        wildcard = settings.cors_origins == ["*"]
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            # A wildcard origin together with credentials would let any site use the tokens.
            allow_credentials=not wildcard,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers: each reads the DUALTOKEN_* environment itself."""
    return create_app(Settings())
