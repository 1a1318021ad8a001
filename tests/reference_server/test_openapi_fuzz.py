"""Schemathesis against the server's own OpenAPI schema, in-process: no generated request,
valid or invalid (positive and negative modes), may get a 5xx.

Bounded for CI: 30 examples per operation and mode, health checks that only complain about
slowness or filtering suppressed. Test hooks are enabled so they are fuzzed too. Schemathesis
generates UTF-8-encodable strings and finite numbers only: lone surrogates, NaN and the like are
hand-written in test_bad_input.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from reference_server.app import create_app
from tests.reference_server.flows import DEMO_PASSWORD, DEMO_USER, make_settings

MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
BOUNDED = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.fixture
def reference_schema() -> schemathesis.BaseSchema:
    app = create_app(make_settings(test_clock=True, rotation=True, refresh_rate_limit=5))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.generation.update(modes=MODES, max_examples=30)
    return schema


@pytest.fixture
def access_token(reference_schema: schemathesis.BaseSchema) -> str:
    """A real access token of the app under test, got by logging in."""
    return asyncio.run(log_in(reference_schema.app))


async def log_in(app: FastAPI) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/login", json={"username": DEMO_USER, "password": DEMO_PASSWORD}
        )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


reference_api = schemathesis.pytest.from_fixture("reference_schema")


@reference_api.parametrize()
@BOUNDED
def test_no_generated_request_gets_a_server_error(case: schemathesis.Case[Any]) -> None:
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])


@reference_api.include(path_regex="^/(protected|logout|refresh)$").parametrize()
@BOUNDED
def test_no_generated_request_with_a_valid_access_token_gets_a_server_error(
    case: schemathesis.Case[Any], access_token: str
) -> None:
    # Past the bearer check, the fuzzed bodies reach logout's and refresh's own logic.
    response = case.call(headers={"Authorization": f"Bearer {access_token}"})
    case.validate_response(response, checks=[not_a_server_error])
