"""The reference server in-process, driven through its real endpoints (httpx ASGI transport)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from fastapi import FastAPI

from reference_server.app import create_app
from reference_server.config import DEV_SECRET, Settings
from reference_server.deps import Services

DEMO_USER = "user1"
DEMO_PASSWORD = "password123"
FROZEN_AT = "2030-01-01T00:00:00Z"
FROZEN_EPOCH = 1_893_456_000


def make_settings(**overrides: Any) -> Settings:
    """Dev mode, in-memory store, no rate limit: each test turns on what it checks."""
    values: dict[str, Any] = {"dev": True, "store": "memory://", "refresh_rate_limit": 0}
    values.update(overrides)
    return Settings(**values)


@dataclass(frozen=True)
class Session:
    """The tokens one login handed out (refresh is "" in cookie mode)."""

    access: str
    refresh: str


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unverified_claims(token: str) -> dict[str, Any]:
    """A token's payload, read without checking it (to look at exp, jti...)."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def sign_raw(payload: bytes, *, header: bytes = b'{"alg":"HS256","typ":"JWT"}') -> str:
    """A JWT with exactly these JSON bytes, HS256-signed with the dev secret.

    PyJWT would refuse to produce some of the payloads the tests need (NaN, 1e400...).
    """

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(header)}.{b64(payload)}"
    mac = hmac.new(DEV_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def dev_token(claims: Mapping[str, Any], *, algorithm: str = "HS256") -> str:
    """A token with these claims signed with the dev secret, as the server signs."""
    return jwt.encode(dict(claims), DEV_SECRET, algorithm=algorithm)


@dataclass
class Api:
    """A client of one in-process app, with one method per endpoint."""

    app: FastAPI
    client: httpx.AsyncClient

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    async def login_response(
        self, username: str = DEMO_USER, password: str = DEMO_PASSWORD
    ) -> httpx.Response:
        return await self.client.post("/login", json={"username": username, "password": password})

    async def login(self, username: str = DEMO_USER, password: str = DEMO_PASSWORD) -> Session:
        response = await self.login_response(username, password)
        assert response.status_code == 200, response.text
        body = response.json()
        return Session(body["access_token"], body.get("refresh_token", ""))

    async def refresh(self, refresh_token: str) -> httpx.Response:
        return await self.client.post("/refresh", json={"refresh_token": refresh_token})

    async def protected(self, access_token: str) -> httpx.Response:
        return await self.client.get("/protected", headers=bearer(access_token))

    async def logout(self, access_token: str, refresh_token: str | None = None) -> httpx.Response:
        body = {"refresh_token": refresh_token} if refresh_token is not None else None
        return await self.client.post("/logout", headers=bearer(access_token), json=body)


@asynccontextmanager
async def running_api(
    settings: Settings | None = None, *, client_host: str = "127.0.0.1", **overrides: Any
) -> AsyncIterator[Api]:
    """An app built from make_settings(**overrides) (or *settings*) and a client bound to it."""
    app = create_app(settings if settings is not None else make_settings(**overrides))
    transport = httpx.ASGITransport(app=app, client=(client_host, 50_000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(app, client)
    finally:
        services: Services = app.state.services
        await services.store.close()


def json_body(value: Any) -> bytes:
    return json.dumps(value).encode()
