"""create_app: CORS policy, the OpenAPI schema, and how the parts are wired."""

from __future__ import annotations

from unittest import mock

import pytest
from opentelemetry import trace as otel_trace

from reference_server.app import build_services, create_app, telemetry_config
from reference_server.store import MemoryStore
from reference_server.users import UserDirectory
from tests.reference_server.flows import make_settings, running_api

pytestmark = pytest.mark.anyio

APP_ORIGIN = "https://app.example"
EVIL_ORIGIN = "https://evil.example"


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_a_listed_origin_gets_credentials_and_its_own_name_back() -> None:
    async with running_api(cors_origins=[APP_ORIGIN]) as api:
        allowed = await api.client.options("/refresh", headers=preflight(APP_ORIGIN))
        simple = await api.client.get("/public", headers={"Origin": APP_ORIGIN})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == APP_ORIGIN
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert simple.headers["access-control-allow-origin"] == APP_ORIGIN


@pytest.mark.parametrize("origin", [EVIL_ORIGIN, "null", "https://app.example.evil.example"])
async def test_an_unlisted_origin_is_never_reflected(origin: str) -> None:
    async with running_api(cors_origins=[APP_ORIGIN]) as api:
        session = await api.login()
        refused = await api.client.options("/refresh", headers=preflight(origin))
        simple = await api.client.get(
            "/protected", headers={"Origin": origin, "Authorization": f"Bearer {session.access}"}
        )
    assert refused.status_code == 400
    for response in (refused, simple):
        assert response.headers.get("access-control-allow-origin") in (None, APP_ORIGIN)
        assert origin not in response.headers.get("access-control-allow-origin", "")


async def test_a_wildcard_never_comes_with_credentials() -> None:
    async with running_api(cors_origins=["*"]) as api:
        simple = await api.client.get("/public", headers={"Origin": EVIL_ORIGIN})
        allowed = await api.client.options("/refresh", headers=preflight(EVIL_ORIGIN))
    for response in (simple, allowed):
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers


async def test_without_origins_there_are_no_cors_headers() -> None:
    async with running_api() as api:
        simple = await api.client.get("/public", headers={"Origin": APP_ORIGIN})
        preflighted = await api.client.options("/refresh", headers=preflight(APP_ORIGIN))
    assert "access-control-allow-origin" not in simple.headers
    assert "access-control-allow-origin" not in preflighted.headers


async def test_the_openapi_schema_documents_the_api_and_its_bearer_scheme() -> None:
    async with running_api() as api:
        schema = (await api.client.get("/openapi.json")).json()
    assert {"/login", "/refresh", "/logout", "/protected", "/public", "/healthz"} <= set(
        schema["paths"]
    )
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "401" in schema["paths"]["/refresh"]["post"]["responses"]


async def test_parts_can_be_swapped_in() -> None:
    store, users = MemoryStore(), UserDirectory()
    settings = make_settings()
    services = build_services(settings, store=store, users=users)
    app = create_app(settings, services=services)
    assert app.state.services.store is store
    assert app.state.services.users.get("user1") is None  # the given directory, no demo user


def test_dev_mode_has_the_demo_user_and_production_mode_does_not() -> None:
    dev = build_services(make_settings())
    prod = build_services(make_settings(dev=False, secret="p" * 40))
    assert dev.users.authenticate("user1", "password123") is not None
    assert prod.users.get("user1") is None


class _ConfiguredProvider:
    """Stands for a real OpenTelemetry SDK provider (any class but the API's stand-ins)."""


def test_fastapi_telemetry_is_off_when_nothing_is_set_up_and_untouched_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FASTAPI_OTEL_AUTO_CONFIGURE", raising=False)
    assert telemetry_config() == {
        "tracing": False,
        "metrics": False,
        "logs": False,
        "operation_spans": False,
    }
    assert not create_app(make_settings())._native_telemetry.enabled()  # FastAPI agrees
    # A tracer provider set before start (opentelemetry-instrument, an SDK): FastAPI decides.
    with mock.patch.object(otel_trace, "get_tracer_provider", return_value=_ConfiguredProvider()):
        assert telemetry_config() is None
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    assert telemetry_config() is None
