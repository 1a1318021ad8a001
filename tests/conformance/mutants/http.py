"""Faulty HTTP behaviour as ASGI wrappers around the reference app: requests edited on the way
in, answers short-circuited (a crash is a 500), statuses, headers and JSON bodies rewritten."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]
HeaderEdit = Callable[[Headers, Scope], Headers]
RequestTest = Callable[[Scope, bytes], bool]
RequestEdit = Callable[[Scope, bytes], tuple[Scope, bytes]]
JSONEdit = Callable[[dict[str, Any], Headers], dict[str, Any]]


async def _read_body(receive: Receive) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body again, in one message; after it, the real channel (for the disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value)
    return None


def json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


async def _answer(send: Send, status: int, body: bytes, headers: Headers) -> None:
    head = [(b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


class ShortCircuit:
    """Answer requests that `when` picks with a fixed response; pass the rest on."""

    def __init__(
        self,
        app: ASGIApp,
        when: RequestTest,
        *,
        status: int = 500,
        body: bytes = b"Internal Server Error",
        headers: Headers | None = None,
    ) -> None:
        self.app = app
        self.when = when
        self.status = status
        self.body = body
        self.headers = headers or [(b"content-type", b"text/plain")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if self.when(scope, body):
            await _answer(send, self.status, self.body, self.headers)
            return
        await self.app(scope, _replay(body, receive), send)


def crash(app: ASGIApp, when: RequestTest) -> ShortCircuit:
    """An unhandled exception for the requests `when` picks: a 500, as a server crash gives."""
    return ShortCircuit(app, when)


class EditRequest:
    """Change requests (scope and body) before the app sees them."""

    def __init__(self, app: ASGIApp, edit: RequestEdit) -> None:
        self.app = app
        self.edit = edit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope, body = self.edit(dict(scope), await _read_body(receive))
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        scope["headers"] = [*headers, (b"content-length", str(len(body)).encode())]
        await self.app(scope, _replay(body, receive), send)


class RewriteResponse:
    """Rewrite the status and headers of responses the wrapped app sends (on `paths`, or all)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        status_map: dict[int, int] | None = None,
        headers: HeaderEdit | None = None,
        paths: frozenset[str] | None = None,
    ) -> None:
        self.app = app
        self.status_map = status_map or {}
        self.headers = headers
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.paths is not None and scope["path"] not in self.paths):
            await self.app(scope, receive, send)
            return

        async def edited(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["status"] = self.status_map.get(message["status"], message["status"])
                if self.headers is not None:
                    message["headers"] = self.headers(list(message.get("headers", [])), scope)
            await send(message)

        await self.app(scope, receive, edited)


class RewriteJSON:
    """Rewrite the JSON body of successful answers on `path`."""

    def __init__(self, app: ASGIApp, path: str, edit: JSONEdit) -> None:
        self.app = app
        self.path = path
        self.edit = edit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body, headers = b"".join(chunks), list(start.get("headers", []))
            data = json_or_none(body)
            if 200 <= start["status"] < 300 and isinstance(data, dict):
                body = json.dumps(self.edit(data, headers)).encode()
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            await _answer(send, start["status"], body, headers)

        await self.app(scope, receive, capture)


class BareTooManyRequests:
    """Strip every 429 down to its status: no Retry-After, no body explaining the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}

        async def strip(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                if message["status"] != 429:
                    await send(message)
                return
            if start["status"] != 429:
                await send(message)
                return
            if message.get("more_body", False):
                return
            dropped = (b"retry-after", b"content-length", b"content-type")
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in dropped]
            await _answer(send, 429, b"", headers)

        await self.app(scope, receive, strip)


# --- header edits ----------------------------------------------------------------------------


def drop_header(name: bytes) -> HeaderEdit:
    def edit(headers: Headers, _: Scope) -> Headers:
        return [(k, v) for k, v in headers if k.lower() != name]

    return edit


def _edit_cookies(change: Callable[[list[bytes]], list[bytes]]) -> HeaderEdit:
    def edit(headers: Headers, _: Scope) -> Headers:
        out = []
        for key, value in headers:
            if key.lower() == b"set-cookie":
                value = b"; ".join(change(value.split(b"; ")))
            out.append((key, value))
        return out

    return edit


def cookie_without(attribute: bytes) -> HeaderEdit:
    return _edit_cookies(lambda parts: [p for p in parts if p.lower().split(b"=")[0] != attribute])


def cookie_with(attribute: bytes, value: bytes) -> HeaderEdit:
    """Set one cookie attribute (replacing it if present), e.g. Path=/ or Max-Age=…"""

    def change(parts: list[bytes]) -> list[bytes]:
        kept = [p for p in parts[1:] if p.lower().split(b"=")[0] != attribute]
        return [parts[0], *kept, attribute + b"=" + value]

    return _edit_cookies(change)


def reflect_any_origin(headers: Headers, scope: Scope) -> Headers:
    """The seed's CORS: whatever Origin asks, it is allowed, with credentials."""
    origin = header(scope, b"origin")
    if origin is None:
        return headers
    return [
        *headers,
        (b"access-control-allow-origin", origin),
        (b"access-control-allow-credentials", b"true"),
    ]


def challenge_always_has_error(headers: Headers, _: Scope) -> Headers:
    """error="invalid_token" even when no credentials were sent (RFC 6750 §3.1 says not to)."""
    out = []
    for key, value in headers:
        if key.lower() == b"www-authenticate" and b"error=" not in value:
            value += b', error="invalid_token"'
        out.append((key, value))
    return out


# --- request tests and edits -----------------------------------------------------------------


def on(method: str, path: str, test: RequestTest) -> RequestTest:
    def picked(scope: Scope, body: bytes) -> bool:
        return scope["method"] == method and scope["path"] == path and test(scope, body)

    return picked


def refresh_field_missing(scope: Scope, body: bytes) -> bool:
    """The seed's `data['refresh_token']`: a KeyError when the field is absent."""
    data = json_or_none(body or b"null")
    return not isinstance(data, dict) or "refresh_token" not in data


def seed_login_parser(scope: Scope, body: bytes) -> bool:
    """`data = json.loads(body)`, `data['username']`, `verify(data['password'])`: each of these
    raises on some input, and nothing catches it."""
    try:
        data = json.loads(body)
        return not all(isinstance(data[name], str) for name in ("username", "password"))
    except (ValueError, KeyError, TypeError, RecursionError):
        return True


def login_field(test: Callable[[str], bool]) -> RequestTest:
    def picked(_: Scope, body: bytes) -> bool:
        data = json_or_none(body)
        if not isinstance(data, dict):
            return False
        return any(isinstance(data.get(n), str) and test(data[n]) for n in ("username", "password"))

    return picked


def refresh_field_not_string(_: Scope, body: bytes) -> bool:
    """`token.split('.')` on whatever the field holds."""
    data = json_or_none(body)
    return (
        isinstance(data, dict)
        and "refresh_token" in data
        and not isinstance(data["refresh_token"], str)
    )


def body_larger_than(size: int) -> RequestTest:
    return lambda _, body: len(body) > size


def any_header_longer_than(size: int) -> RequestTest:
    return lambda scope, _: any(len(value) > size for _, value in scope["headers"])


def authorization_not_ascii(scope: Scope, _: bytes) -> bool:
    value = header(scope, b"authorization")
    return value is not None and not value.isascii()


def bearer_without_token(scope: Scope, _: bytes) -> bool:
    """The seed's `authorization.split(' ')[1]`, and a lone comma taken for a token list."""
    value = header(scope, b"authorization")
    return value is not None and len(value.replace(b",", b" ").split()) < 2


def two_authorization_headers(scope: Scope, _: bytes) -> bool:
    return sum(1 for key, _ in scope["headers"] if key.lower() == b"authorization") > 1


def path_longer_than(size: int) -> RequestTest:
    return lambda scope, _: len(scope["path"]) > size


def method_in(*methods: str) -> RequestTest:
    return lambda scope, _: scope["method"] in methods


def body_not_json(_: Scope, body: bytes) -> bool:
    return bool(body) and json_or_none(body) is None


def no_authorization(scope: Scope, _: bytes) -> bool:
    return header(scope, b"authorization") is None


def _with_headers(scope: Scope, headers: Headers) -> Scope:
    return {**scope, "headers": headers}


def first_of_two_tokens(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    """`Bearer a b` read as the token `a`."""
    headers = []
    for key, value in scope["headers"]:
        if key.lower() == b"authorization":
            value = b" ".join(value.split()[:2])
        headers.append((key, value))
    return _with_headers(scope, headers), body


def any_scheme(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    """`Basic <jwt>` or `Token <jwt>` read as if it said Bearer: only the second word counts."""
    headers = []
    for key, value in scope["headers"]:
        parts = value.split()
        if key.lower() == b"authorization" and len(parts) == 2:
            value = b"Bearer " + parts[1]
        headers.append((key, value))
    return _with_headers(scope, headers), body


def case_sensitive_scheme(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    """Only the exact spelling `Bearer` is recognised; `bearer x` counts as no credentials."""
    headers = [
        (k, v)
        for k, v in scope["headers"]
        if k.lower() != b"authorization" or v.startswith(b"Bearer ") or v == b"Bearer"
    ]
    return _with_headers(scope, headers), body


def token_from_query(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    """`?access_token=` honoured like an Authorization header (RFC 6750 §2.3, discouraged)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if "access_token" in query and header(scope, b"authorization") is None:
        token = query["access_token"][0].encode("latin-1")
        scope = _with_headers(scope, [*scope["headers"], (b"authorization", b"Bearer " + token)])
    return scope, body


def login_from_query(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    """GET /login?username=…&password=… is served like the POST."""
    if scope["method"] != "GET" or scope["path"] != "/login":
        return scope, body
    query = parse_qs(scope.get("query_string", b"").decode())
    data = {name: values[0] for name, values in query.items()}
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-type"]
    headers.append((b"content-type", b"application/json"))
    return {**_with_headers(scope, headers), "method": "POST"}, json.dumps(data).encode()


def empty_password_marked(marker: str) -> RequestEdit:
    """An empty login password reaches the user directory as `marker` (validation would refuse
    an empty string before the faulty directory ever saw it)."""

    def edit(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        data = json_or_none(body)
        if scope["path"] == "/login" and isinstance(data, dict) and data.get("password") == "":
            body = json.dumps({**data, "password": marker}).encode()
        return scope, body

    return edit


# --- stateful faults ---------------------------------------------------------------------------


class RefusesConcurrentUse:
    """A request whose bearer token is already in use by another request in flight is refused
    (a per-token lock that answers instead of waiting)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.in_use: set[bytes] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = header(scope, b"authorization") if scope["type"] == "http" else None
        if token is None:
            await self.app(scope, receive, send)
            return
        if token in self.in_use:
            await _answer(send, 409, b'{"detail":"token in use"}', [])
            return
        self.in_use.add(token)
        try:
            # In-process requests never wait on I/O; yield so that simultaneous ones overlap.
            await asyncio.sleep(0)
            await self.app(scope, receive, send)
        finally:
            self.in_use.discard(token)


class RateLimitFault:
    """Watches the refresh endpoint's 429s; `blocks_api` then refuses authenticated requests too
    until Retry-After passes, `never_lifts` keeps refusing refreshes for good."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        refresh_path: str,
        blocks_api: bool = False,
        never_lifts: bool = False,
    ) -> None:
        self.app = app
        self.refresh_path = refresh_path
        self.blocks_api = blocks_api
        self.never_lifts = never_lifts
        self.limited_until = float("-inf")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # time.time() is the server's clock here (freezegun moves it in-process).
        limited = self.limited_until > time.time()
        is_refresh = scope["path"] == self.refresh_path
        if limited and (is_refresh or (self.blocks_api and not no_authorization(scope, b""))):
            await _answer(send, 429, b'{"detail":"slow down"}', [(b"retry-after", b"60")])
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and is_refresh and message["status"] == 429:
                retry = dict(message.get("headers", [])).get(b"retry-after", b"60")
                until = float("inf") if self.never_lifts else time.time() + int(retry)
                self.limited_until = until
            await send(message)

        await self.app(scope, receive, watch)
