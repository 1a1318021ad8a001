"""The API behind the client under test: the reference server, embedded, with its test clock.

It runs as a real `python -m reference_server` on a free loopback port, started by the
reference server's one launcher (`reference_server/launcher.py`: its own process group, ready
when /healthz answers on a port it owns, log file). Tokens expire when the suite moves the
server's clock (`POST /__test__/clock`), never by waiting. Nothing in e2e imports `tests/`.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from conformance.launch import TargetProcess
from conformance.profile import ClientAuth, RefreshSpec
from reference_server.launcher import LaunchedServer, LaunchError, launch_reference

__all__ = [
    "ACCESS_TTL",
    "REFRESH_TTL",
    "Api",
    "ApiServer",
    "ApiStartError",
    "ExternalApi",
    "start_api",
]

LOOPBACK = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parent.parent
ACCESS_TTL = 60
REFRESH_TTL = 3600
START_TIMEOUT = 30.0

# Dev mode (the demo user user1/password123), the clock hooks, no /refresh rate limit (bursts
# are the point of the suite), short known lifetimes, a store that needs no file.
BASE_SETTINGS: Mapping[str, str] = {
    "DUALTOKEN_DEV": "1",
    "DUALTOKEN_STORE": "memory://",
    "DUALTOKEN_TEST_CLOCK": "1",
    "DUALTOKEN_REFRESH_RATE_LIMIT": "0",
    "DUALTOKEN_ACCESS_TTL": str(ACCESS_TTL),
    "DUALTOKEN_REFRESH_TTL": str(REFRESH_TTL),
}


# The launcher's error: the reference server did not come up; the message carries its log.
ApiStartError = LaunchError


@dataclass
class ApiServer:
    """A running reference server: its URL, its clock, and its log."""

    process: LaunchedServer
    # One keep-alive connection for the clock: every case moves it, and a new client per move
    # cost about 0.1 s a case on a loaded machine.
    _clock: httpx.Client | None = field(default=None, init=False, repr=False)

    @property
    def port(self) -> int:
        return self.process.port

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def is_running(self) -> bool:
        return self.process.running()

    def log_tail(self, lines: int = 30) -> str:
        return self.process.log_tail(lines) or "(no log)"

    def client(self) -> httpx.Client:
        """A plain HTTP client for the API, outside the browser (e.g. to try an old token)."""
        return httpx.Client(base_url=self.url, timeout=10.0)

    def advance_clock(self, seconds: float) -> None:
        if self._clock is None:
            self._clock = self.client()
        answer = self._clock.post("/__test__/clock", json={"advance": seconds})
        answer.raise_for_status()

    #: The login and refresh answers' fields holding the tokens.
    access_token_field = "access_token"
    refresh_token_field = "refresh_token"

    def refresh_status(self, refresh_token: str) -> int:
        """The status /refresh answers to *refresh_token*, sent outside the browser."""
        with self.client() as api:
            return api.post("/refresh", json={"refresh_token": refresh_token}).status_code

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is expired; refresh tokens stay valid."""
        self.advance_clock(ACCESS_TTL + 1)

    def expire_refresh_tokens(self) -> None:
        self.advance_clock(REFRESH_TTL + 1)

    def stop(self) -> None:
        if self._clock is not None:
            self._clock.close()
        self.process.stop()


class Api(Protocol):
    """What the client suite needs from the API behind the app: its URL and its clock."""

    @property
    def url(self) -> str: ...

    def is_running(self) -> bool: ...

    def log_tail(self, lines: int = 30) -> str: ...

    def client(self) -> httpx.Client: ...

    @property
    def access_token_field(self) -> str:
        """The login and refresh answers' field holding the access token."""
        ...

    @property
    def refresh_token_field(self) -> str:
        """The login and refresh answers' field holding the refresh token."""
        ...

    def refresh_status(self, refresh_token: str) -> int:
        """The status the refresh endpoint answers to *refresh_token*, sent the way this API
        expects it (outside the browser: e.g. to see that logout revoked it)."""
        ...

    def expire_access_tokens(self) -> None: ...

    def expire_refresh_tokens(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class ExternalApi:
    """A team's own backend, described by its server profile. The suite starts and stops it when
    the profile gives `[target] command` (*process*), else uses it as it runs and leaves it
    running; it expires tokens through the backend's clock endpoint (the reference server's
    protocol: `POST clock_path {"advance": seconds}`)."""

    base_url: str
    clock_path: str
    access_ttl: float
    refresh_ttl: float
    process: TargetProcess | None = None
    # How its refresh endpoint takes a refresh token (its server profile's [refresh], [client]).
    refresh: RefreshSpec = field(default_factory=RefreshSpec)
    client_auth: ClientAuth = field(default_factory=ClientAuth)
    access_token_field: str = "access_token"
    refresh_token_field: str = "refresh_token"

    def refresh_status(self, refresh_token: str) -> int:
        """The status its refresh endpoint answers to *refresh_token*, presented the way its
        server profile says (json or form field, Bearer header or cookie, client credentials):
        a request it would refuse for its shape alone must not pass for a revoked token."""
        spec, auth = self.refresh, self.client_auth
        headers: dict[str, str] = {}
        body: dict[str, str] = dict(spec.fields)
        if auth.auth == "basic":
            pair = base64.b64encode(f"{auth.id}:{auth.secret}".encode()).decode()
            headers["Authorization"] = f"Basic {pair}"
        elif auth.auth == "body":
            body |= {"client_id": auth.id, "client_secret": auth.secret}
        elif auth.id:
            body["client_id"] = auth.id
        if spec.transport == "bearer":
            headers["Authorization"] = f"Bearer {refresh_token}"
        elif spec.transport == "cookie":
            headers["Cookie"] = f"{spec.field}={refresh_token}"
        else:
            body[spec.field] = refresh_token
        with self.client() as api:
            if spec.transport == "form":
                answer = api.post(spec.path, data=body, headers=headers)
            else:
                answer = api.post(spec.path, json=body or None, headers=headers)
        return answer.status_code

    @property
    def url(self) -> str:
        return self.base_url

    def is_running(self) -> bool:
        return self.process is None or self.process.running()

    def log_tail(self, lines: int = 30) -> str:
        if self.process is not None:
            return self.process.output() or "(no output)"
        return f"(the API at {self.base_url} is not the suite's: see its own log)"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10.0)

    def advance_clock(self, seconds: float) -> None:
        with self.client() as api:
            answer = api.post(self.clock_path, json={"advance": seconds})
        if answer.status_code != 200:
            raise ApiStartError(
                f"POST {self.base_url}{self.clock_path} answered {answer.status_code}: the "
                "server profile's [time] clock_path must move the server's clock"
            )

    def expire_access_tokens(self) -> None:
        self.advance_clock(self.access_ttl + 1)

    def expire_refresh_tokens(self) -> None:
        self.advance_clock(self.refresh_ttl + 1)

    def check(self) -> None:
        """Fail early, with a clear message, when the API or its clock does not answer."""
        try:
            with self.client() as api:
                answer = api.get(self.clock_path)
        except httpx.TransportError as exc:
            raise ApiStartError(f"the API at {self.base_url} did not answer: {exc}") from None
        if answer.status_code != 200:
            raise ApiStartError(
                f"GET {self.base_url}{self.clock_path} answered {answer.status_code}: the API "
                "needs a clock endpoint (server profile [time] mode = clock, clock_path)"
            )

    def stop(self) -> None:
        """Stop the backend if the suite started it; one it found running is not its to stop."""
        if self.process is not None:
            asyncio.run(self.process.stop())
            self.process.close()
            self.process = None


def start_api(
    *,
    rotation: bool,
    cookie: bool,
    static: Path | None = None,
    cors_origin: str = "",
    log_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
) -> ApiServer:
    """Start the reference server; *static* is an app folder it serves at its own origin;
    *extra* are further DUALTOKEN_* settings (e.g. a SQLite store)."""
    settings: dict[str, Any] = {"DUALTOKEN_ROTATION": "1" if rotation else "0"}
    if cookie:
        # Plain http on loopback: a Secure cookie would never be stored.
        settings |= {"DUALTOKEN_REFRESH_COOKIE": "1", "DUALTOKEN_COOKIE_SECURE": "0"}
    if static is not None:
        settings["DUALTOKEN_FRONTEND_DIST"] = str(static)
    if cors_origin:
        settings["DUALTOKEN_CORS_ORIGINS"] = cors_origin
    settings |= extra or {}
    return ApiServer(launch_reference({**BASE_SETTINGS, **settings}, log_dir=log_dir))
