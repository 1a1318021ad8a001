"""The target client: sends requests over HTTP or to an in-process ASGI app, and records them.

Every request has a deadline (the profile's `timeout`), so a target that hangs yields ERROR in
bounded time; after a few silent requests in a row the target is taken as gone and the rest fail
fast instead of each waiting for its own deadline.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.exchange import Exchange
from conformance.http11 import HTTP11Client, RawRequest, RawResponse
from conformance.inprocess import ASGIApp, send_in_process
from conformance.outcomes import ConnectionCut, HarnessError, PreconditionFailed, TargetError
from conformance.profile import Profile
from conformance.redaction import Redactor
from conformance.sessions import SessionLedger

__all__ = ["ASGIApp", "AppFactory", "Target", "load_app", "run_shell"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
AppFactory = Callable[[], ASGIApp]
HeaderList = Sequence[tuple[str, str]] | Sequence[tuple[bytes, bytes]]

IN_PROCESS_URL = "http://testserver"
# This many requests in a row without an answer and the target is taken as gone.
GIVE_UP_AFTER = 3
# Logins the suite has in flight at once, whoever sends them (logins made ahead, a case's
# concurrent logins, cases running alongside each other): a client's traffic, not a load test,
# also against a server that hashes every password on its CPU.
MAX_LOGINS_IN_FLIGHT = 48


def load_app(spec: str, *, factory: bool, options: Mapping[str, Any]) -> ASGIApp:
    """Import `module:attr`; call it with `options` when it is a factory."""
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise HarnessError(f"[target] app: cannot import {module_name!r}: {exc}") from None
    try:
        found = getattr(module, attr)
    except AttributeError:
        raise HarnessError(f"[target] app: module {module_name!r} has no {attr!r}") from None
    if factory:
        try:
            return found(**options)  # type: ignore[no-any-return]
        except Exception as exc:
            raise HarnessError(f"[target] app: factory {spec} failed: {exc}") from None
    if options:
        raise HarnessError("[target] app_options needs app_factory = true")
    return found  # type: ignore[no-any-return]


class _Lifespan:
    """Runs an ASGI app's lifespan protocol, which httpx's ASGITransport does not."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._incoming: asyncio.Queue[Message] = asyncio.Queue()
        self._outgoing: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._supported = True

    async def _run(self) -> None:
        scope: Scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        try:
            await self._app(scope, self._incoming.get, self._outgoing.put)
        except Exception:
            # Apps without lifespan support raise on the unknown scope type; that is allowed.
            self._supported = False
        await self._outgoing.put({"type": "lifespan.ended"})

    async def _exchange(self, message: str, timeout: float) -> None:
        await self._incoming.put({"type": message})
        try:
            reply = await asyncio.wait_for(self._outgoing.get(), timeout)
        except TimeoutError:
            raise HarnessError(
                f"in-process app did not finish {message} in {timeout:g} s"
            ) from None
        if reply["type"].endswith(".failed"):
            raise HarnessError(f"in-process app {message} failed: {reply.get('message', '')}")

    async def startup(self, timeout: float) -> None:
        self._task = asyncio.create_task(self._run())
        await self._exchange("lifespan.startup", timeout)

    async def shutdown(self, timeout: float) -> None:
        if self._task is None or self._task.done():
            return
        await self._exchange("lifespan.shutdown", timeout)
        await asyncio.wait_for(self._task, timeout)


async def run_shell(
    command: str, within: float, env: Mapping[str, str] | None = None
) -> tuple[int, str]:
    """Run a profile's shell command (restart, hooks): (exit status, stdout and stderr), with
    `env` added to the suite's environment. Past `within` seconds it is killed and TimeoutError
    raised."""
    process = await asyncio.create_subprocess_shell(
        command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **env} if env else None,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        raise
    return await process.wait(), output.decode(errors="replace")


def _as_bytes(headers: HeaderList | Mapping[str, str] | None) -> list[tuple[bytes, bytes]]:
    """Headers as the bytes to send: text as UTF-8 (which httpx would refuse outside ASCII)."""
    if headers is None:
        return []
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [(_encoded(name), _encoded(value)) for name, value in pairs]


def _encoded(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


def _no_cookie_jar() -> CookieJar:
    # The suite sends cookies explicitly so that it can check their attributes and scope;
    # a jar that keeps nothing stops httpx from sending them behind its back.
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


class Target:
    """One target for one run; use as `async with Target(profile) as target:`."""

    def __init__(
        self,
        profile: Profile,
        *,
        app: ASGIApp | None = None,
        app_factory: AppFactory | None = None,
        redactor: Redactor | None = None,
        restarter: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.profile = profile
        # Restarts a target the suite started itself ([target] command).
        self._restarter = restarter
        # Reports show what this target handed out shortened, and the profile's secrets never.
        self.redactor = redactor if redactor is not None else Redactor()
        self.redactor.secret(profile.credentials.password, "password")
        self.redactor.secret(profile.signing.secret, "signing secret")
        self.redactor.secret(profile.signing.private_key, "private key")
        if profile.refresh_signing is not None:
            self.redactor.secret(profile.refresh_signing.secret, "refresh signing secret")
            self.redactor.secret(profile.refresh_signing.private_key, "refresh private key")
        self.sessions = SessionLedger()
        # Logouts and refused refreshes so far: on some servers either revokes every session
        # of the user, so sessions logged in ahead of them are suspect (conformance.prefetch).
        self.risky_events = 0
        self._logout_paths = {step.path for step in profile.logout}
        self.timeout = profile.target.timeout
        self._app = app
        self._app_factory = app_factory
        self._lifespan: _Lifespan | None = None
        self._builder: httpx.AsyncClient | None = None
        self._wire: HTTP11Client | None = None
        self._silent_in_a_row = 0
        # What the last request that got no answer met, for the requests not sent after it.
        self._last_silence = ""
        self._login_gate: asyncio.Semaphore | None = None
        # Requests sent per path, so the runner can keep under a declared rate limit.
        self.sent: Counter[str] = Counter()

    @property
    def base_url(self) -> str:
        return self.profile.target.base_url or IN_PROCESS_URL

    @property
    def in_process(self) -> bool:
        return not self.profile.target.base_url

    def _build_app(self) -> ASGIApp:
        if self._app_factory is not None:
            return self._app_factory()
        spec = self.profile.target
        return load_app(spec.app, factory=spec.app_factory, options=spec.app_options)

    async def _open(self) -> None:
        if self.in_process:
            if self._app is None:
                self._app = self._build_app()
            self._lifespan = _Lifespan(self._app)
            await self._lifespan.startup(self.timeout)
        else:
            url = httpx.URL(self.base_url)
            tls = url.scheme == "https"
            self._wire = HTTP11Client(url.host, url.port or (443 if tls else 80), tls=tls)
        # Used only to build requests (URL joining, body encoding, the usual headers); the
        # bytes go out through our own client, which sends what httpx would refuse to.
        self._builder = httpx.AsyncClient(base_url=self.base_url, cookies=_no_cookie_jar())

    async def _close(self) -> None:
        if self._builder is not None:
            await self._builder.aclose()
            self._builder = None
        if self._wire is not None:
            await self._wire.aclose()
            self._wire = None
        if self._lifespan is not None:
            await self._lifespan.shutdown(self.timeout)
            self._lifespan = None

    async def __aenter__(self) -> Target:
        await self._open()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._close()

    async def request(
        self,
        method: str,
        path: str,
        record: list[Exchange],
        *,
        headers: HeaderList | Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        timeout: float | None = None,
        request_target: bytes | None = None,
    ) -> httpx.Response:
        """Send one request exactly as given; record it; raise TargetError when no answer
        comes in time. `method` goes on the wire as written; `request_target` replaces the
        path as sent (for targets no URL can express)."""
        if self._builder is None:
            raise HarnessError("the target is not open")
        request = self._builder.build_request(
            method or "GET",
            path,
            headers=_as_bytes(headers),
            json=json,
            data=data,
            content=content,
        )
        raw = RawRequest(
            method=method.encode("utf-8"),
            target=request_target if request_target is not None else request.url.raw_path,
            headers=list(request.headers.raw),
            body=request.content,
        )
        exchange = Exchange(
            method=method,
            url=str(request.url),
            request_target="" if request_target is None else request_target.decode("latin-1"),
            request_headers=[
                (name.decode("latin-1"), value.decode("latin-1")) for name, value in raw.headers
            ],
            request_body=raw.body,
        )
        record.append(exchange)
        self.sent[path] += 1
        if self._silent_in_a_row >= GIVE_UP_AFTER:
            exchange.error = (
                "not sent: the target stopped answering earlier in the run "
                f"(the last request got: {self._last_silence})"
            )
            raise TargetError(exchange.error)
        deadline = timeout if timeout is not None else self.timeout
        # The loop's clock stays real under freezegun (real_asyncio=True); time.* may be frozen.
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            # wait_for bounds in-process apps too, which have no socket timeouts at all.
            answer = await asyncio.wait_for(self._send(raw), deadline + 0.5)
        except TimeoutError:
            self._silent_in_a_row += 1
            exchange.error = self._last_silence = f"no answer within {deadline:g} s"
            raise TargetError(f"{method} {path}: {exchange.error}") from None
        except httpx.TransportError as exc:
            self._silent_in_a_row += 1
            exchange.error = self._last_silence = describe_transport_error(exc)
            raise ConnectionCut(f"{method} {path}: {exchange.error}") from None
        finally:
            exchange.elapsed_ms = (loop.time() - started) * 1000
        self._silent_in_a_row = 0
        if path in self._logout_paths or (
            path == self.profile.refresh.path and answer.status >= 400
        ):
            self.risky_events += 1
        exchange.retried = answer.retried
        exchange.status = answer.status
        exchange.response_headers = [
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in answer.headers
        ]
        exchange.response_body = answer.body
        response = httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=httpx.ByteStream(answer.body),
            request=request,
            extensions={
                "http_version": b"HTTP/" + answer.http_version,
                "reason_phrase": answer.reason,
            },
        )
        try:
            response.read()
        except httpx.DecodingError as exc:
            exchange.error = f"the answer's Content-Encoding does not decode: {exc}"
            raise TargetError(f"{method} {path}: {exchange.error}") from None
        return response

    @property
    def login_gate(self) -> asyncio.Semaphore:
        """Held while a login is in flight (see MAX_LOGINS_IN_FLIGHT); made in the running loop."""
        if self._login_gate is None:
            self._login_gate = asyncio.Semaphore(MAX_LOGINS_IN_FLIGHT)
        return self._login_gate

    def forgive_silence(self) -> None:
        """A case expected the connection to be cut; do not count it towards giving up."""
        self._silent_in_a_row = 0

    async def _send(self, request: RawRequest) -> RawResponse:
        if self._app is not None and self.in_process:
            return await send_in_process(self._app, request)
        assert self._wire is not None
        return await self._wire.send(request)

    async def restart(self) -> None:
        """Restart the target: run the profile's command, or rebuild an in-process app."""
        spec = self.profile.restart
        if self._restarter is not None:
            await self._close()
            try:
                await self._restarter()
            except HarnessError as exc:
                raise PreconditionFailed(f"restart: {exc}") from None
            await self._open()
            return
        if spec is not None and spec.command:
            await self._run_restart_command(spec.command, spec.ready_timeout)
            return
        if not self.in_process or (
            self._app_factory is None and not self.profile.target.app_factory
        ):
            raise PreconditionFailed("the target cannot be restarted (no [restart] command)")
        await self._close()
        self._app = self._build_app()
        await self._open()

    async def _run_restart_command(self, command: str, ready_timeout: float) -> None:
        try:
            returncode, output = await run_shell(command, ready_timeout, self.target_env())
        except TimeoutError:
            raise PreconditionFailed(
                f"restart command still running after {ready_timeout:g} s"
            ) from None
        if returncode != 0:
            raise PreconditionFailed(
                f"restart command exited {returncode}: {output.strip()[-500:]}"
            )
        await self.wait_until_ready(ready_timeout)

    def target_env(self) -> dict[str, str]:
        """Where the target is, for a [restart] command that has to start it at the same place:
        DUALTOKEN_TARGET_URL (the base URL) and DUALTOKEN_TARGET_PORT (its port, if it has
        one)."""
        if self.in_process:
            return {}
        url = self.profile.target.base_url
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        env = {"DUALTOKEN_TARGET_URL": url}
        if port is not None:
            env["DUALTOKEN_TARGET_PORT"] = str(port)
        return env

    async def wait_until_ready(self, within: float) -> None:
        """Poll the health (or first public, or login) path until the target answers."""
        path = self.ready_path
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            self._silent_in_a_row = 0
            try:
                await self.request("GET", path, [], timeout=min(self.timeout, 2.0))
            except TargetError as exc:
                if loop.time() > deadline:
                    raise PreconditionFailed(
                        f"target not answering {within:g} s after restart: {exc}"
                    ) from None
                await asyncio.sleep(0.1)
            else:
                return

    @property
    def ready_path(self) -> str:
        target = self.profile.target
        if target.health_path:
            return target.health_path
        if self.profile.public_paths:
            return self.profile.public_paths[0]
        return self.profile.login.path


# httpx often raises these with an empty message; say what happened on the wire.
_TRANSPORT_ERRORS: tuple[tuple[type[httpx.TransportError], str], ...] = (
    (httpx.ConnectError, "could not connect (refused, or nothing listening)"),
    (httpx.RemoteProtocolError, "the target broke the HTTP protocol or closed mid-answer"),
    (httpx.ReadError, "the connection was reset or closed while reading the answer"),
    (httpx.WriteError, "the connection was reset or closed while sending the request"),
)


def describe_transport_error(exc: httpx.TransportError) -> str:
    """A readable reason for a failed exchange, keeping httpx's own text when it has one."""
    for kind, meaning in _TRANSPORT_ERRORS:
        if isinstance(exc, kind):
            return f"{meaning} ({type(exc).__name__}{': ' + str(exc) if str(exc) else ''})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
