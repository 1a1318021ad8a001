"""What a case gets to work with: the profile's flows (login, refresh, logout, hooks) spoken in
the target's own field names and transports, time control, the forger and the verifiers."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

import httpx

from conformance.exchange import Exchange
from conformance.forge import DROP, OPAQUE_REFRESH, Forger, decode_unverified, split_token
from conformance.outcomes import (
    CaseFailure,
    ConnectionCut,
    DeclaredAbsent,
    HarnessError,
    PreconditionFailed,
    Skipped,
)
from conformance.pacing import Pacer
from conformance.prefetch import LoginPool
from conformance.profile import Encoding, Hook, LogoutRequest, Profile
from conformance.sessions import Session
from conformance.target import HeaderList, Target, run_shell
from conformance.timecontrol import TimeControl
from conformance.verify import (
    bearer_challenge,
    describe,
    json_body,
    set_cookies,
    verify_no_crash,
    verify_rejected,
    verify_success,
)

__all__ = ["LOGIN_CONCURRENCY", "OAUTH_ERROR_CODES", "CaseContext", "Session"]

# RFC 6749 §5.2: the error codes of a token endpoint's refusal.
OAUTH_ERROR_CODES = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    }
)
# Logins with other credentials that a case sends as one set, in no particular order, go this
# many at a time: enough that a slow login (a password KDF) does not make a slow case, few
# enough to stay a client's traffic rather than a load test.
LOGIN_CONCURRENCY = 12
# RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token.
_BEARER_SYNTAX = re.compile(r"^Bearer +[A-Za-z0-9\-._~+/]+=*$", re.IGNORECASE)


KEY_MISMATCH = "the profile's {section} key does not sign {kind} tokens the way the target does"
KEY_KINDS = (
    'access and refresh tokens are told apart by their signing keys ([claims] kind_by = "key"): '
    "they carry no kind marker"
)


@dataclass
class CaseContext:
    profile: Profile
    target: Target
    clock: TimeControl
    forger: Forger
    exchanges: list[Exchange] = field(default_factory=list)
    # SHOULD-level deviations noticed on the way (tolerated statuses); they make a pass NON-STRICT.
    notes: list[str] = field(default_factory=list)
    # Keeps requests under the target's declared limits; None paces nothing.
    pacer: Pacer | None = None
    paced: bool = True
    # Sessions logged in ahead (conformance.prefetch), None for logins of the case's own only.
    pool: LoginPool | None = None
    # Set once the case reads or moves the clock, restarts the target, changes the user or logs
    # in with other credentials: its later logins must then happen after that, not before.
    fresh_logins: bool = False
    # The case took a session logged in ahead of a logout or refused refresh (which may have
    # revoked it): if the case deviates, the runner decides it again on fresh logins.
    took_suspect_session: bool = False
    # The case proves every session it takes live (a control) or expects it to work (Case.
    # checks_sessions): it may take one logged in before the test user was disabled and enabled.
    checks_sessions: bool = False
    # Forges refresh tokens: the [signing.refresh] key when given; refuses opaque ones.
    refresh_forger: Forger = field(init=False)

    def __post_init__(self) -> None:
        self.refresh_forger = (
            self.forger
            if self.profile.refresh_signing is None and not self.profile.refresh.opaque
            else Forger(
                self.profile.refresh_key, kind="refresh", opaque=self.profile.refresh.opaque
            )
        )

    # --- plain requests -------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: HeaderList | Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        kind: str | None = None,
    ) -> httpx.Response:
        """Send one request, paced under the target's declared limits; `kind` ("login",
        "refresh") says which flow it belongs to when both share a path."""
        entry = None
        if self.pacer is not None:
            entry = await self.pacer.before(method, path, kind=kind, paced=self.paced)
        status: int | None = None
        # Every POST to the login path may hash a password: the gate keeps those in flight to
        # what the target answers without queueing (conformance.login_gate).
        login = method == "POST" and path.partition("?")[0] == self.profile.login.path
        try:
            async with (
                self.target.login_gate.slot() if login else contextlib.nullcontext()
            ) as ticket:
                response = await self.target.request(
                    method,
                    path,
                    self.exchanges,
                    headers=headers,
                    json=json,
                    data=data,
                    content=content,
                )
                if ticket is not None:
                    ticket.status = response.status_code
            status = response.status_code
            return response
        finally:
            if self.pacer is not None:
                self.pacer.after(method, path, status, kind=kind, entry=entry)

    @contextlib.contextmanager
    def unpaced(self) -> Iterator[None]:
        """Send past the declared limits on purpose (the RATE-LIMIT cases); still counted."""
        self.paced = False
        try:
            yield
        finally:
            self.paced = True

    async def send_body(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any],
        encoding: Encoding,
        *,
        headers: Mapping[str, str] | None = None,
        kind: str | None = None,
    ) -> httpx.Response:
        """Send `payload` as a JSON object or a form, as the endpoint takes it (form values
        that are not strings are written with str())."""
        if encoding == "form":
            data = {
                name: value if isinstance(value, str) else str(value)
                for name, value in payload.items()
            }
            return await self.request(method, path, data=data, headers=headers, kind=kind)
        return await self.request(method, path, json=dict(payload), headers=headers, kind=kind)

    # --- the OAuth client (RFC 6749 §2.3.1) -----------------------------------------------

    def client_headers(self) -> dict[str, str]:
        """HTTP Basic client authentication, when the profile says so."""
        client = self.profile.client
        if client.auth != "basic":
            return {}
        # RFC 6749 §2.3.1: id and secret are form-urlencoded before the Basic encoding.
        pair = f"{quote(client.id, safe='')}:{quote(client.secret, safe='')}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii")}

    def client_fields(self) -> dict[str, str]:
        """Client credentials in the body (`body`), or the bare client_id (`none` with an id)."""
        client = self.profile.client
        if client.auth == "body":
            return {"client_id": client.id, "client_secret": client.secret}
        if client.auth == "none" and client.id:
            return {"client_id": client.id}
        return {}

    @property
    def refresh_encoding(self) -> Encoding:
        return "form" if self.profile.refresh.transport == "form" else "json"

    def refresh_payload(self, token: Any) -> dict[str, Any]:
        """The body of a refresh request carrying `token` (json/form transports): the profile's
        constant fields and client credentials, and the token in its field."""
        spec = self.profile.refresh
        return {**spec.fields, **self.client_fields(), spec.field: token}

    async def oversized(
        self,
        method: str,
        path: str,
        *,
        headers: HeaderList | Mapping[str, str] | None = None,
        content: bytes | None = None,
        data: Mapping[str, str] | None = None,
    ) -> httpx.Response | None:
        """Send an oversized request; None if the target cut the connection instead of
        answering, which is a fair way to refuse one (RFC 9110 §9.6 lets a server close)."""
        try:
            return await self.request(method, path, headers=headers, content=content, data=data)
        except ConnectionCut:
            self.target.forgive_silence()
            return None

    async def gather(self, *requests: Any) -> list[Any]:
        """Run request coroutines at the same time (the concurrency family)."""
        return list(await asyncio.gather(*requests))

    # --- the profile's flows --------------------------------------------------------------

    def login_payload(
        self, username: str | None = None, password: str | None = None
    ) -> dict[str, Any]:
        """The login body: constant fields, client credentials, username and password."""
        login = self.profile.login
        return {
            **login.fields,
            **self.client_fields(),
            login.username_field: self.profile.credentials.username
            if username is None
            else username,
            login.password_field: self.profile.credentials.password
            if password is None
            else password,
        }

    async def login_response(
        self, username: str | None = None, password: str | None = None
    ) -> httpx.Response:
        if username is not None or password is not None:
            # Counting or timing logins of its own (throttling, lock-out): nothing ahead of it,
            # and no logins made ahead in between.
            self.fresh_logins = True
            if self.pool is not None:
                self.pool.quiet()
        return await self.send_login(self.login_payload(username, password))

    async def send_login(
        self, payload: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """POST `payload` to the login path, in its encoding, with the client's Basic auth.
        A session it opens is noted, to be logged out at the end of the run."""
        login = self.profile.login
        response = await self.send_body(
            "POST",
            login.path,
            payload,
            login.encoding,
            headers={**self.client_headers(), **(headers or {})},
            kind="login",
        )
        self._note_session(response)
        return response

    def _note_session(self, response: httpx.Response) -> None:
        """Every login answer with tokens is a session the run must log out at its end, also
        when a case reads the answer itself instead of calling login()."""
        if not response.is_success:
            return
        try:
            access, refresh = self.tokens_from(response, at_login=True)
        except CaseFailure:
            return  # the case that asked judges the answer; nothing to log out
        if refresh:
            session = Session(access=access, refresh=refresh, response=response)
            self.target.sessions.opened_by_login(session)

    def tokens_from(self, response: httpx.Response, *, at_login: bool) -> tuple[str, str]:
        """(access, refresh) from a login or refresh answer; refresh is '' when absent."""
        spec = self.profile.login if at_login else self.profile.refresh
        where = "login" if at_login else "refresh"
        body = json_body(response, f"{where} answer")
        access = body.get(spec.access_token_field)
        if not isinstance(access, str) or not access:
            raise CaseFailure(
                f"{where} answer: a string field {spec.access_token_field!r}", describe(response)
            )
        refresh = body.get(spec.refresh_token_field)
        if self.profile.cookie_transport:
            cookies = [c for c in set_cookies(response, self.profile.refresh.field) if c.value]
            if cookies:
                refresh = cookies[0].value
        if refresh is not None and not isinstance(refresh, str):
            raise CaseFailure(
                f"{where} answer: {spec.refresh_token_field!r} as a string", describe(response)
            )
        # Live credentials from now on: reports must show them shortened.
        self.target.redactor.tokens((access, refresh or ""))
        return access, refresh or ""

    async def login(self, username: str | None = None, password: str | None = None) -> Session:
        """Log in with the profile's credentials; a refusal is a precondition failure. With the
        default credentials the session may come from the pool of logins made ahead."""
        if username is None and password is None:
            ahead = await self._session_ahead()
            if ahead is not None:
                return ahead
        return await self._log_in_itself(username, password)

    async def _log_in_itself(
        self, username: str | None = None, password: str | None = None
    ) -> Session:
        response = await self.login_response(username, password)
        if not response.is_success:
            raise PreconditionFailed(
                f"login with the profile's credentials failed: {describe(response)}"
            )
        return await self._session_from_login(response)

    async def login_now(self) -> Session:
        """A login made now, not ahead, for a case that compares its tokens with others minted
        at about the same moment (same-second logins, an immediate refresh): a session logged
        in ahead may be up to MAX_AGE_S old on a running clock, and whether two tokens share a
        second would then be luck, more of it the busier the machine. On a frozen clock every
        session of the current clock state was minted at this very instant, so one made ahead
        will do."""
        if self.clock.mode == "freeze":
            return await self.login()
        return await self._log_in_itself()

    async def _session_ahead(self) -> Session | None:
        """A session logged in ahead with the profile's credentials, when the case may have one
        (it has not read or moved the clock or logged in otherwise yet); None: log in now."""
        if self.pool is None or self.fresh_logins:
            return None
        ahead = await self.pool.take(kept_ok=self.checks_sessions)
        if ahead is None:
            return None
        self.exchanges.extend(ahead.exchanges)
        if ahead.risky_before != self.target.risky_events or ahead.kept:
            self.took_suspect_session = True
        return ahead.session

    @property
    def login_seconds_ahead(self) -> float:
        """How long the logins made ahead took (a running average), 0 when none has landed."""
        return self.pool.login_seconds if self.pool is not None else 0.0

    async def settle_logins_ahead(self) -> None:
        """Before a probe that counts the target's answers to wrong logins: no logins made
        ahead start, and those in flight land first (see LoginPool.settle)."""
        if self.pool is not None:
            await self.pool.settle(self.target.timeout)

    async def login_responses(
        self,
        credentials: Sequence[tuple[str | None, str | None]],
        *,
        at_once: int = LOGIN_CONCURRENCY,
    ) -> AsyncIterator[httpx.Response]:
        """Logins with other (username, password) pairs (None keeps the profile's) whose order
        does not matter to the case: their answers in the order given, recorded in that order.
        They go `at_once` at a time, so that a slow login costs the case about one
        login's time, not one per pair; one by one where the suite paces logins in real time
        under a declared throttle (the pacer counts a refusal only once it is answered).

        A login that raised (no answer) raises when its turn comes, after the case has judged
        the answers before it: the verdict is the one logins sent one by one would give."""
        self.fresh_logins = True
        pacer = self.pacer
        if pacer is not None and pacer.login is not None and pacer.real_time and self.paced:
            for name, password in credentials:
                yield await self.login_response(name, password)
            return
        gate = asyncio.Semaphore(at_once)
        # Each login records into a context of its own, so the exchanges keep the order given.
        attempts = [replace(self, exchanges=[], notes=[]) for _ in credentials]

        async def send(
            attempt: CaseContext, name: str | None, password: str | None
        ) -> httpx.Response:
            async with gate:
                return await attempt.login_response(name, password)

        answers = await asyncio.gather(
            *(
                send(attempt, name, password)
                for attempt, (name, password) in zip(attempts, credentials, strict=True)
            ),
            return_exceptions=True,
        )
        for attempt in attempts:
            self.exchanges.extend(attempt.exchanges)
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
            yield answer

    async def _session_from_login(self, response: httpx.Response) -> Session:
        try:
            access, refresh = self.tokens_from(response, at_login=True)
        except CaseFailure as failure:
            raise PreconditionFailed(
                f"login answer unusable: expected {failure.expected}; got {failure.actual}"
            ) from None
        if not refresh:
            raise PreconditionFailed(
                "login answer carries no refresh token "
                f"(field {self.profile.login.refresh_token_field!r}"
                + (
                    f" or cookie {self.profile.refresh.field!r})"
                    if self.profile.cookie_transport
                    else ")"
                )
            )
        return self.target.sessions.from_response(response) or Session(
            access=access, refresh=refresh, response=response
        )

    async def second_login(self, first: Session, covered_by: str) -> Session:
        """Another login whose tokens differ from `first`'s, for cases about two sessions.
        Targets without a jti mint identical tokens within one second; on real time the
        suite waits for the next second once (LOGIN-OK-03 reports the identical tokens)."""
        second = await self.login()
        if self._same_tokens(first, second) and self.clock.mode != "freeze":
            await asyncio.sleep(1.05)
            second = await self.login()
        if self._same_tokens(first, second):
            raise Skipped(
                "premise not met: two logins gave identical tokens, so they are one session to "
                f"the target; covered by {covered_by}"
            )
        return second

    @staticmethod
    def _same_tokens(first: Session, second: Session) -> bool:
        return first.access == second.access or first.refresh == second.refresh

    async def refresh_response(self, token: str | None) -> httpx.Response:
        """Present `token` to the refresh endpoint the way the profile says (None sends none)."""
        spec = self.profile.refresh
        headers = self.client_headers()
        if spec.transport in ("json", "form"):
            payload = self.refresh_payload(token)
            if token is None:
                del payload[spec.field]
            return await self.send_refresh_body(payload)
        if token is None:
            return await self.request("POST", spec.path, headers=headers, kind="refresh")
        if spec.transport == "bearer":
            return await self.request(
                "POST", spec.path, headers={"Authorization": f"Bearer {token}"}, kind="refresh"
            )
        headers["Cookie"] = f"{spec.field}={token}"
        return await self.request("POST", spec.path, headers=headers, kind="refresh")

    async def send_refresh_body(self, payload: Mapping[str, Any]) -> httpx.Response:
        """POST `payload` to the refresh path in its body encoding, with the client's auth."""
        return await self.send_body(
            "POST",
            self.profile.refresh.path,
            payload,
            self.refresh_encoding,
            headers=self.client_headers(),
            kind="refresh",
        )

    async def refresh(self, session: Session) -> Session:
        """Refresh and return the resulting session (the new refresh token, if one came).
        A refused or unusable answer is REFRESH-OK-01's finding, not the calling case's."""
        response = await self.refresh_response(session.refresh)
        self.premise(
            response.is_success,
            f"a refresh with a fresh refresh token works (got {describe(response)[:80]})",
            "REFRESH-OK-01",
        )
        try:
            access, refresh = self.tokens_from(response, at_login=False)
        except CaseFailure as failure:
            raise Skipped(
                f"premise not met: a usable refresh answer ({failure.expected}); "
                "covered by REFRESH-OK-01"
            ) from None
        refreshed = Session(access=access, refresh=refresh or session.refresh, response=response)
        self.target.sessions.refreshed(session, refreshed)
        return refreshed

    async def protected(self, token: str | None, path: str | None = None) -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return await self.request("GET", path or self.profile.protected_paths[0], headers=headers)

    async def logout(self, session: Session) -> list[httpx.Response]:
        if not self.profile.logout:
            raise Skipped("the profile declares no logout")
        if self.pool is not None:
            await self.pool.hold(self.target.timeout)
        self.target.sessions.closed(session)
        return [await self._logout_step(step, session) for step in self.profile.logout]

    async def _logout_step(self, step: LogoutRequest, session: Session) -> httpx.Response:
        headers: dict[str, str] = {}
        bearer = {"access": session.access, "refresh": session.refresh, "none": ""}[step.bearer]
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        # A request without a bearer token is a revocation request (RFC 7009 §2.1): the client
        # authenticates as at the token endpoint.
        client = {} if bearer else self.client_fields()
        if not bearer:
            headers.update(self.client_headers())
        if step.refresh in ("json", "form"):
            payload = {**step.fields, **client, step.field: session.refresh}
            return await self.send_body(
                step.method, step.path, payload, step.refresh, headers=headers
            )
        if step.refresh == "cookie":
            headers["Cookie"] = f"{step.field}={session.refresh}"
        return await self.request(step.method, step.path, headers=headers)

    async def logged_out(self, session: Session) -> list[httpx.Response]:
        """Log out and insist that every step succeeded: a premise of the revocation cases,
        whose failure LOGOUT-OK-01 reports."""
        responses = await self.logout(session)
        for step, response in zip(self.profile.logout, responses, strict=True):
            self.premise(
                response.is_success,
                f"logout {step.method} {step.path} succeeds (got {describe(response)[:80]})",
                "LOGOUT-OK-01",
            )
        return responses

    async def revoked_premise(self, session: Session) -> None:
        """After logout, the session's refresh token is refused: what LOGOUT-REVOKE-01 checks,
        and what the cases about how far or how long revocation reaches rely on."""
        response = await self.refresh_response(session.refresh)
        self.expect_no_crash(response, "refresh with the logged-out refresh token")
        self.premise(
            not response.is_success,
            "logout revokes the refresh token (it still refreshes)",
            "LOGOUT-REVOKE-01",
        )

    # --- time -----------------------------------------------------------------------------

    def _time_changed(
        self,
        *,
        done: bool = True,
        clock_only: bool = False,
        refill: bool = True,
        user_change: bool = False,
    ) -> None:
        """The target's time or state moves (`done`: has moved): sessions logged in before
        are stale, and so are logins still in flight (unless only the clock moved and the
        pool can tell a login minted after the move; or, across a `user_change`, for the
        cases that prove their sessions). `refill=False`: logins ahead would be refused now
        (a disabled user), so none start until a case asks for one."""
        self.fresh_logins = True
        if self.pool is not None:
            self.pool.invalidate(
                refill=done and refill, clock_only=clock_only, user_change=user_change
            )

    async def now(self) -> float:
        # The case compares times from here on: its logins must not predate this reading. A
        # frozen clock (freeze mode) only moves by advance(), which throws older sessions away,
        # so there a session from the pool was issued at exactly this reading.
        if self.clock.mode != "freeze":
            self.fresh_logins = True
        return await self.clock.now(self.exchanges)

    async def advance(self, seconds: float) -> None:
        # Before and after: a login that started while the clock was moving is stale too.
        self._time_changed(done=False, clock_only=True)
        await self.clock.advance(seconds, self.exchanges)
        self._time_changed(clock_only=True)

    async def fresh_rate_window(self) -> None:
        """Start the refresh rate-limit window afresh: move the target's clock past it, or (forge,
        wait) wait until none of the suite's refreshes is left in it."""
        if self.pacer is not None and self.pacer.real_time:
            await self.pacer.wait_for_fresh_refresh_window()
            return
        await self.advance(self.profile.rate_limit.window + 1)
        if self.pacer is not None:
            self.pacer.moved_past_windows()

    async def pass_rate_time(self, seconds: float) -> None:
        """Let `seconds` pass for the rate limit (a Retry-After): the target's clock moves, or
        (forge, wait) the suite waits, never longer than the declared window and a second."""
        if self.pacer is not None and self.pacer.real_time:
            await asyncio.sleep(min(seconds, self.profile.rate_limit.window + 1))
            return
        await self.advance(seconds)
        if self.pacer is not None:
            self.pacer.moved_past_windows()

    # --- hooks ----------------------------------------------------------------------------

    async def run_hook(self, hook: Hook | None, name: str) -> None:
        if hook is None:
            raise Skipped(f"the profile declares no [{name}] hook")
        self._time_changed(done=False, user_change=True)
        username = self.profile.credentials.username
        if hook.request:
            path = hook.request_path.replace("{username}", username)
            response = await self.request(hook.request_method, path)
            if not response.is_success:
                raise PreconditionFailed(
                    f"[{name}] {hook.request_method} {path}: {describe(response)}"
                )
            return
        command = hook.command.replace("{username}", username)
        try:
            returncode, output = await run_shell(command, self.target.timeout * 4)
        except TimeoutError:
            raise PreconditionFailed(f"[{name}] command did not finish: {command}") from None
        if returncode != 0:
            raise PreconditionFailed(f"[{name}] command exited {returncode}: {output[-300:]}")

    async def disable_user(self) -> None:
        if self.pool is not None and self.profile.disable_user is not None:
            await self.pool.stock_before_user_change()
        await self.run_hook(self.profile.disable_user, "disable_user")
        # Logins ahead for a disabled user are refused, and each would count against a login
        # throttle: none until the user is back.
        self._time_changed(refill=False, user_change=True)

    async def enable_user(self) -> None:
        await self.run_hook(self.profile.enable_user, "enable_user")
        self._time_changed(user_change=True)

    async def restart(self) -> None:
        self._time_changed(done=False)
        await self.target.restart()
        self._time_changed()

    # --- verifiers, with the profile's statuses -------------------------------------------

    def note(self, message: str | None) -> None:
        if message:
            self.notes.append(message)

    def expect_rejected(
        self, response: httpx.Response, what: str, *, malformed: bool = False
    ) -> None:
        """A protected resource refused a token. A `malformed` one (outside RFC 6750 §2.1's
        b64token grammar) may also be refused as a bad request: 400 invalid_request (§3.1)."""
        rejection = self.profile.rejection
        if self._malformed_request_refusal(response):
            return
        statuses = (*rejection.statuses, 400) if malformed else rejection.statuses
        self.note(verify_rejected(response, statuses, rejection.tolerated, what))

    def expect_missing_rejected(self, response: httpx.Response, what: str) -> None:
        """A protected resource refused a request that carried no token at all."""
        rejection = self.profile.rejection
        self.note(verify_rejected(response, rejection.missing, rejection.tolerated, what))

    def expect_user_gone_rejected(
        self, response: httpx.Response, what: str, *, refresh: bool = False
    ) -> None:
        """A valid token for a user that does not exist was refused ([rejection] user_gone
        adds the statuses of a user lookup, e.g. 404, to the endpoint's own)."""
        rejection = self.profile.rejection
        statuses = (rejection.refresh if refresh else rejection.statuses) + rejection.user_gone
        self.note(verify_rejected(response, statuses, rejection.tolerated, what))

    def expect_refresh_rejected(self, response: httpx.Response, what: str) -> None:
        rejection = self.profile.rejection
        if self._oauth_refusal(response) or (
            response.status_code == 429 and self.profile.capabilities.rate_limit
        ):
            return
        self.note(verify_rejected(response, rejection.refresh, rejection.tolerated, what))

    def expect_login_rejected(self, response: httpx.Response, what: str) -> None:
        rejection = self.profile.rejection
        if self._oauth_refusal(response) or (
            response.status_code == 429 and self.profile.login_throttle.limit
        ):
            return
        self.note(verify_rejected(response, rejection.login, rejection.tolerated, what))

    def _oauth_refusal(self, response: httpx.Response) -> bool:
        """RFC 6749 §5.2: a 400 (or a 401 for invalid_client) whose JSON error is a standard
        code is the token endpoint's refusal, when the profile says the target speaks OAuth."""
        if not self.profile.rejection.oauth_errors or response.status_code not in (400, 401):
            return False
        try:
            body = response.json()
        except (ValueError, UnicodeDecodeError):
            return False
        return isinstance(body, dict) and body.get("error") in OAUTH_ERROR_CODES

    def _malformed_request_refusal(self, response: httpx.Response) -> bool:
        """RFC 6750 §3.1: 400 invalid_request refuses a request whose Authorization header is
        not `Bearer <b64token>` (a token that fits the syntax but is bad is 401 invalid_token)."""
        if not self.profile.rejection.oauth_errors or response.status_code != 400:
            return False
        sent = response.request.headers.get("authorization")
        if sent is None or _BEARER_SYNTAX.match(sent):
            return False
        challenge = bearer_challenge(response) or {}
        if challenge.get("error") == "invalid_request":
            return True
        try:
            body = response.json()
        except (ValueError, UnicodeDecodeError):
            return False
        return isinstance(body, dict) and body.get("error") == "invalid_request"

    def expect_bad_request(self, response: httpx.Response, what: str) -> None:
        """A malformed request: any 4xx will do, a 2xx or a 5xx will not."""
        verify_no_crash(response, what)
        if not 400 <= response.status_code < 500:
            raise CaseFailure(f"{what}: refused with a 4xx", describe(response))

    def expect_accepted(self, response: httpx.Response, what: str) -> None:
        verify_success(response, what)

    def expect_no_crash(self, response: httpx.Response, what: str) -> None:
        verify_no_crash(response, what)

    # --- controls: the same request with good values is accepted ---------------------------

    def control(self, response: httpx.Response, what: str) -> None:
        """A refusal only means something next to an acceptance of the same shape: when the
        good request is refused too, the case cannot judge (ERROR naming the control)."""
        if not response.is_success:
            raise HarnessError(
                f"control: {what} was refused ({describe(response)}), so a refusal of the "
                "request this case checks would prove nothing"
            )

    async def login_control(self) -> Session:
        """A login with the profile's credentials, the same shape as the bad ones that follow
        (one logged in ahead is such a login: the pool logs in with exactly this request)."""
        ahead = await self._session_ahead()
        if ahead is not None:
            return ahead
        response = await self.login_response()
        self.control(response, "a login with the profile's credentials")
        return await self._session_from_login(response)

    async def access_control(self, session: Session, path: str | None = None) -> None:
        """The session's own access token opens the protected path."""
        self.control(
            await self.protected(session.access, path), "a request with the login's access token"
        )

    async def refresh_control(self) -> None:
        """A fresh refresh token, sent the same way, is accepted (on a session of its own, so
        that rotation or reuse detection cannot involve the case's session)."""
        session = await self.login()
        self.control(
            await self.refresh_response(session.refresh), "a refresh with a fresh refresh token"
        )

    async def control_accepted(self, token: str, what: str, *, refresh: bool = False) -> None:
        """A forged token that should be accepted is: proof that the profile's key is right.
        If it is refused, the forged attack that follows could not tell us anything."""
        response = await (self.refresh_response(token) if refresh else self.protected(token))
        if not response.is_success:
            raise HarnessError(
                f"control: {what} was refused ({describe(response)}); the profile's [signing] "
                "key or algorithm does not match the target's, so forged tokens prove nothing",
                cause=KEY_MISMATCH.format(section="[signing]", kind="access"),
            )

    async def forged_access_control(self, session: Session) -> None:
        """Re-sign the access token with a 1 s shorter life; the target must accept it."""
        claims = session.claims()
        exp = claims.get("exp")
        changes = {"exp": exp - 1} if isinstance(exp, int) else {}
        await self.control_accepted(
            self.forger.resign(session.access, changes=changes),
            "a re-signed copy of the access token",
        )

    async def forged_refresh_control(self) -> None:
        """Show a correctly re-signed refresh token is accepted, on a separate session so that
        rotation or reuse detection on the attacked session cannot explain its refusal.

        When the copy is refused but the original works and its signature checks out with the
        profile's key, the key is right: the target accepts only the exact refresh tokens it
        issued (it compares them byte for byte with the ones it stored). No forged refresh token
        can then get in whatever it claims, so the forged attack does not apply (SKIP, a
        strength), while the cases with real tokens judge expiry and revocation."""
        other = await self.login()
        exp = self.refresh_claims(other).get("exp")
        changes = {"exp": exp - 1} if isinstance(exp, int) else {}
        copy = self.refresh_forger.resign(other.refresh, changes=changes)
        if copy == other.refresh:
            # No exp to change and the same JSON bytes: trailing whitespace (valid JSON) makes
            # a copy that differs from the original while claiming the same.
            header, claims = decode_unverified(other.refresh)
            copy = self.refresh_forger.sign_with_header(header, json.dumps(claims).encode() + b" ")
        answer = await self.refresh_response(copy)
        if answer.is_success:
            return
        original = await self.refresh_response(other.refresh)
        if original.is_success and self.refresh_forger.verifies(other.refresh):
            raise Skipped(
                "does not apply: the target accepts only the exact refresh tokens it issued (a "
                "copy re-signed with the right key was refused while the original works), so "
                "no forged refresh token gets in whatever it claims; the cases with real "
                "tokens judge expiry and revocation"
            )
        section = "[signing.refresh]" if self.profile.refresh_signing else "[signing]"
        raise HarnessError(
            f"control: a re-signed copy of a refresh token was refused ({describe(answer)}) "
            f"and the original {'works' if original.is_success else 'was refused too'}; the "
            f"refresh token's signature does not check out with the profile's {section} key "
            "or algorithm, so forged refresh tokens prove nothing",
            cause=KEY_MISMATCH.format(section=section, kind="refresh"),
        )

    # --- token kinds ------------------------------------------------------------------------

    def refresh_jwt(self, session: Session) -> str:
        """The session's refresh token, which the case is about to take apart as a JWT."""
        if self.profile.refresh.opaque:
            raise Skipped(OPAQUE_REFRESH)
        split_token(session.refresh)
        return session.refresh

    def refresh_claims(self, session: Session) -> dict[str, Any]:
        return session.claims(self.refresh_jwt(session))

    def kind_marker(self, kind: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        """(claim changes, header changes) that mark a token as `kind` ("access" or "refresh"),
        or remove the mark when kind is None, the way the profile's [claims] kind_by says."""
        claims = self.profile.claims
        if claims.kind_by == "key":
            raise Skipped(KEY_KINDS)
        if claims.kind_by == "audience":
            audience = claims.access_audience if kind == "access" else claims.refresh_audience
            return {"aud": DROP if kind is None else audience}, {}
        value: Any = DROP
        if kind is not None:
            value = claims.access_type if kind == "access" else claims.refresh_type
        if claims.kind_by == "header":
            return {}, {"typ": value}
        return {claims.type: value}, {}

    def marker_of(self, token: str) -> Any:
        """The kind marker a token carries (type claim, header typ or aud), None if absent."""
        claims = self.profile.claims
        header, payload = decode_unverified(token)
        if claims.kind_by == "key":
            raise Skipped(KEY_KINDS)
        if claims.kind_by == "header":
            return header.get("typ")
        return payload.get("aud" if claims.kind_by == "audience" else claims.type)

    def marker_name(self) -> str:
        claims = self.profile.claims
        return {"header": "header typ", "audience": "aud"}.get(
            claims.kind_by, f"claim {claims.type!r}"
        )

    def relabel(self, token: str, *, kind: str, as_kind: str) -> str:
        """`token` (of `kind`) made to look like `as_kind`: its marker changed and signed with
        its own kind's key, or, when kinds are told apart by key, signed with as_kind's key."""
        forgers = {"access": self.forger, "refresh": self.refresh_forger}
        if self.profile.claims.kind_by == "key":
            if self.profile.refresh_signing is None:
                raise Skipped(
                    'kind_by = "key" but the profile gives no [signing.refresh] key, so a token '
                    "cannot be signed with the other kind's key"
                )
            header, payload = decode_unverified(token)
            return forgers[as_kind].sign_with_header(header, json.dumps(payload).encode())
        changes, header_changes = self.kind_marker(as_kind)
        return forgers[kind].resign(token, changes=changes, header_changes=header_changes)

    def premise(self, condition: bool, what: str, covered_by: str) -> None:
        """Stop here unless `condition`: the case relies on `what`, which case `covered_by`
        checks and reports. A broken premise is that case's finding, never a FAIL of this
        one about something else (TEAM.md decision 4)."""
        if not condition:
            raise Skipped(f"premise not met: {what}; covered by {covered_by}")

    def unless_declared_absent(self, capability: str) -> None:
        """A case that probes for a capability the profile did not declare stops here when the
        profile writes it as `false`: the team told us, so the verdict is DECLARED."""
        if capability in self.profile.capabilities.declared_absent:
            raise DeclaredAbsent(capability)

    def require(self, condition: bool, reason: str) -> None:
        if not condition:
            raise Skipped(reason)

    @property
    def claim(self) -> Any:
        return self.profile.claims
