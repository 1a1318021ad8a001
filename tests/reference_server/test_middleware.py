"""BodyLimit: bodies over the limit get 413 whether or not they declare their length."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from reference_server.middleware import BodyLimit

pytestmark = pytest.mark.anyio

LIMIT = 1000


async def echo_length(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that reads the whole body and answers its length."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = str(size).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def client() -> httpx.AsyncClient:
    app = BodyLimit(echo_length, max_bytes=LIMIT)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def chunks(count: int, size: int) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield b"x" * size


@pytest.mark.parametrize("size", [0, 1, LIMIT])
async def test_bodies_up_to_the_limit_reach_the_app_whole(size: int) -> None:
    async with client() as c:
        response = await c.post("/", content=b"x" * size)
    assert response.status_code == 200
    assert response.text == str(size)


async def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    async with client() as c:
        response = await c.post("/", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.json() == {"detail": f"request body exceeds {LIMIT} bytes"}
    assert response.headers["connection"] == "close"


async def test_a_streamed_body_is_cut_off_once_it_passes_the_limit() -> None:
    async with client() as c:
        small = await c.post("/", content=chunks(10, 100))
        large = await c.post("/", content=chunks(11, 100))
    assert small.status_code == 200
    assert small.text == "1000"
    assert large.status_code == 413


async def test_a_lying_content_length_does_not_get_past_the_limit() -> None:
    async with client() as c:
        response = await c.post("/", content=chunks(20, 100), headers={"Content-Length": "10"})
    assert response.status_code == 413


async def test_a_garbled_content_length_falls_back_to_counting() -> None:
    async with client() as c:
        ok = await c.post("/", content=chunks(1, 10), headers={"Content-Length": "ten"})
    assert ok.status_code == 200
    assert ok.text == "10"
