"""The suite's own client sends every byte a case needs, on both transports, and a target that
closes its keep-alive connection after a 500 leaves the cases after it with real verdicts.

Real parts only: uvicorn on 127.0.0.1 (in a thread, so the test can count what it saw), raw
asyncio servers that record the bytes they got, and the reference app in-process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from conformance.exchange import Exchange
from conformance.outcomes import Outcome
from conformance.profile import Profile, default_profile_path, load_profile
from conformance.runner import SuiteResult, run_suite
from conformance.target import Target
from tests.conformance.crashing import crashing_app, serve_app
from tests.conformance.hostile import closing_after_500, serve_handler
from tests.targets.bearer_refresh import bearer_refresh_app

PROFILES = default_profile_path().parent
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


def http_profile(base_url: str) -> Profile:
    return load_profile(PROFILES / "reference-http.toml").with_base_url(base_url)


@contextmanager
def recording_server() -> Iterator[tuple[str, list[bytes]]]:
    """A server that keeps the bytes of every request head it gets and answers 200 ok."""
    heads: list[bytes] = []

    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: asyncio.Event
    ) -> None:
        while True:
            try:
                heads.append(await reader.readuntil(b"\r\n\r\n"))
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            writer.write(OK)
            await writer.drain()

    with serve_handler(handle, "recording") as base_url:
        yield base_url, heads


# What httpx (h11) refuses to send, and what each must look like on the wire.
ODD_REQUESTS: list[tuple[dict[str, Any], bytes]] = [
    ({"headers": {"Authorization": "Bearer "}}, b"\r\nAuthorization: Bearer \r\n"),
    ({"headers": [(b"Authorization", b"Bearer \xff")]}, b"\r\nAuthorization: Bearer \xff\r\n"),
    ({"headers": {"X-Name": "用户"}}, "\r\nX-Name: 用户\r\n".encode()),
    ({"headers": [(b"X-Bad Name", b"v")]}, b"\r\nX-Bad Name: v\r\n"),
    ({"method": "get"}, b"get /p HTTP/1.1\r\n"),
    ({"method": "BREW"}, b"BREW /p HTTP/1.1\r\n"),
    ({"request_target": b"*"}, b"GET * HTTP/1.1\r\n"),
    ({"request_target": b"/a b?c=\x00"}, b"GET /a b?c=\x00 HTTP/1.1\r\n"),
]  # fmt: skip


async def _send(profile: Profile, options: dict[str, Any]) -> Exchange:
    record: list[Exchange] = []
    method = options.pop("method", "GET")
    async with Target(profile) as target:
        response = await target.request(method, "/p", record, **options)
    assert response.status_code == 200
    return record[0]


@pytest.mark.parametrize(("options", "on_the_wire"), ODD_REQUESTS)
def test_odd_requests_reach_an_http_target_byte_for_byte(
    options: dict[str, Any], on_the_wire: bytes
) -> None:
    with recording_server() as (base_url, heads):
        exchange = asyncio.run(_send(http_profile(base_url), dict(options)))
    assert len(heads) == 1
    assert on_the_wire in heads[0], heads[0]
    assert not exchange.error


def test_the_record_and_the_curl_repro_show_exactly_what_was_sent() -> None:
    options = {
        "method": "get",
        "headers": [(b"Authorization", b"Bearer "), (b"X-Raw", b"\xff\xfe")],
        "request_target": b"*",
    }
    with recording_server() as (base_url, _):
        exchange = asyncio.run(_send(http_profile(base_url), options))
    assert ("Authorization", "Bearer ") in exchange.request_headers
    assert ("X-Raw", "\xff\xfe") in exchange.request_headers
    curl = exchange.curl()
    assert "-X get" in curl
    assert "--request-target '*'" in curl
    assert "-H 'Authorization: Bearer '" in curl
    assert "-H $'X-Raw: \\xff\\xfe'" in curl


def test_odd_requests_reach_an_in_process_app_as_they_are() -> None:
    scopes: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise RuntimeError("no lifespan here")
        scopes.append(dict(scope))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    profile = load_profile(PROFILES / "reference.toml")

    async def run() -> None:
        record: list[Exchange] = []
        async with Target(profile, app=app) as target:
            await target.request(
                "get",
                "/p",
                record,
                headers=[(b"Authorization", b"Bearer "), (b"X-Raw", b"\xff")],
                request_target=b"/a%20b?q=1",
            )

    asyncio.run(run())
    (scope,) = scopes
    assert scope["method"] == "get"
    assert scope["raw_path"] == b"/a%20b"
    assert scope["path"] == "/a b"
    assert scope["query_string"] == b"q=1"
    assert (b"authorization", b"Bearer ") in scope["headers"]
    assert (b"x-raw", b"\xff") in scope["headers"]


def _errors(suite: SuiteResult) -> dict[str, str]:
    return {r.case.id: r.detail for r in suite.results if r.outcome is Outcome.ERROR}


def _retried(suite: SuiteResult) -> list[Exchange]:
    return [e for r in suite.results for e in r.exchanges if e.retried]


def test_cases_after_a_500_that_closed_the_connection_get_real_verdicts() -> None:
    """uvicorn closes the connection after an unhandled exception's 500; behind a proxy that
    makes the client lose that race every time, each case after a 500 still gets the verdict
    it gets against uvicorn directly, and none is an ERROR."""
    with serve_app(crashing_app()) as direct:
        direct_suite = run_suite(http_profile(direct))
        port = int(direct.rsplit(":", 1)[1])
        with serve_handler(closing_after_500(("127.0.0.1", port)), "closing") as racing:
            racing_suite = run_suite(http_profile(racing))
    crashed = [r.case.id for r in racing_suite.results if any(e.status == 500 for e in r.exchanges)]
    print(f"\n{len(crashed)} cases met a 500; {len(_retried(racing_suite))} requests sent again")
    assert len(crashed) >= 5, crashed
    assert _errors(racing_suite) == {}
    assert _errors(direct_suite) == {}
    # Before the fix, the case after each of these was ERROR; every retry is one of them.
    assert len(_retried(racing_suite)) >= len(crashed) - 1
    assert all("closed the reused connection" in e.retried for e in _retried(racing_suite))
    verdicts = {r.case.id: r.outcome for r in racing_suite.results}
    assert verdicts == {r.case.id: r.outcome for r in direct_suite.results}


def _bearer_refresh(profile: Profile) -> Profile:
    return replace(profile, refresh=replace(profile.refresh, transport="bearer"))


def test_a_refresh_token_in_a_bearer_header_gets_no_error_over_http() -> None:
    with serve_app(bearer_refresh_app(test_clock=True)) as base_url:
        suite = run_suite(_bearer_refresh(http_profile(base_url)))
    assert _errors(suite) == {}
    empty = suite.by_id()["REFRESH-REJECT-02"]
    assert empty.outcome is Outcome.PASS, empty.detail
    assert ("Authorization", "Bearer ") in empty.exchanges[-1].request_headers


def test_a_refresh_token_in_a_bearer_header_gets_no_error_in_process() -> None:
    suite = run_suite(
        _bearer_refresh(load_profile(PROFILES / "reference.toml")),
        app_factory=bearer_refresh_app,
    )
    assert _errors(suite) == {}
    assert suite.by_id()["REFRESH-REJECT-02"].outcome is Outcome.PASS
