"""Python clients that behave like the browser client: log in, call the API, refresh silently.

`BrowserTab` is the fixed interceptor: on a 401 it refreshes *once* however many requests failed
together (single flight, a gevent AsyncResult the other requests wait on), then retries each
request once. `NaiveTab` refreshes on every 401, as the seed's interceptor does, to show the
storm. Tabs of one browser share a `BrowserSession` (the tokens in localStorage), which also
keeps the books on expiry events: one event per access token that the target refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from typing import TypeVar

from gevent.event import AsyncResult
from gevent.pool import Group

from conformance.forge import decode_unverified
from conformance.outcomes import HarnessError
from load.tally import Tally
from load.target import LoadTarget
from load.wire import Http, Reply

__all__ = [
    "BrowserSession",
    "BrowserTab",
    "NaiveTab",
    "Recorder",
    "ServerClock",
    "fire_batch",
    "send_refresh",
]

T = TypeVar("T")


class Recorder:
    """Writes one client kind's figures into the tally, under the current step."""

    def __init__(self, tally: Tally, step: Callable[[], int], kind: str) -> None:
        self.tally = tally
        self.step = step
        self.kind = kind

    def add(self, metric: str, n: int = 1, *, step: int | None = None) -> None:
        self.tally.add(self.step() if step is None else step, self.kind, metric, n)

    def observe(self, metric: str, ms: float, *, step: int | None = None) -> None:
        self.tally.observe(self.step() if step is None else step, self.kind, metric, ms)

    def note(self, text: str) -> None:
        self.tally.note(f"{self.kind}: {text}")


class ServerClock:
    """The target's idea of now: its clock hook in clock mode, else this machine's clock."""

    def __init__(self, http: Http, target: LoadTarget) -> None:
        self.http = http
        self.target = target

    def now(self) -> float | None:
        if self.target.time_mode != "clock":
            return time.time()
        reply = self.http.send("GET", self.target.clock_path, name=self.target.clock_path, ok={200})
        value = reply.body.get("now") if isinstance(reply.body, dict) else None
        return float(value) if isinstance(value, int | float) else None


@dataclass
class Episode:
    """One expiry event: an access token the target refused, and what the client did about it."""

    step: int  # the step whose expiry moment this was, even if the event ends in the next one
    first_refusal: float
    refreshes: int = 0
    recovered_ms: float | None = None


@dataclass
class BrowserSession:
    """What the tabs of one browser share: stored tokens, and the books on expiry events."""

    recorder: Recorder
    access: str | None = None
    refresh: str | None = None
    generation: int = 0  # bumped at each login; a logout is counted once per generation
    logged_out: bool = True
    episodes: dict[str, Episode] = field(default_factory=dict)

    def signed_in(self, access: str, refresh: str) -> None:
        self.access, self.refresh = access, refresh
        self.generation += 1
        self.logged_out = False

    def refused(self, token: str) -> Episode:
        """A protected request sent with `token` came back refused."""
        if token not in self.episodes:
            self.episodes[token] = Episode(self.recorder.step(), time.perf_counter())
        return self.episodes[token]

    def refreshing(self, token: str) -> Episode:
        episode = self.refused(token)
        episode.refreshes += 1
        return episode

    def recovered(self, token: str) -> None:
        episode = self.episodes.get(token)
        if episode is not None and episode.recovered_ms is None:
            episode.recovered_ms = (time.perf_counter() - episode.first_refusal) * 1000

    def close_episodes(self) -> None:
        """Count the events that are over: their token was replaced, or the session ended.

        An event still open (its refresh failed without a logout) is counted when it closes,
        so a run stopped mid-batch never counts an event without the refreshes it caused.
        """
        for token in [t for t in self.episodes if t != self.access or self.logged_out]:
            episode = self.episodes.pop(token)
            self.recorder.add("expiry_events", step=episode.step)
            self.recorder.add("refresh_calls", episode.refreshes, step=episode.step)
            if episode.recovered_ms is not None:
                self.recorder.observe("silent_refresh_ms", episode.recovered_ms, step=episode.step)


class BrowserTab:
    """One tab's API client with the fixed interceptor: single-flight refresh, one retry."""

    kind = "single-flight"

    def __init__(
        self, http: Http, target: LoadTarget, session: BrowserSession, clock: ServerClock
    ) -> None:
        self.http = http
        self.target = target
        self.session = session
        self.clock = clock
        self.recorder = session.recorder
        self._in_flight: AsyncResult | None = None

    # Login ---------------------------------------------------------------------------------

    def login(self) -> bool:
        target = self.target
        credentials = {
            target.username_field: target.username,
            target.password_field: target.password,
        }
        reply = self.http.send(
            "POST",
            target.login_path,
            name=target.login_path,
            ok={200},
            json_body=credentials if target.login_encoding == "json" else None,
            form=credentials if target.login_encoding == "form" else None,
        )
        access = reply.text_field(target.access_field)
        refresh = self._refresh_token_in(reply, target.refresh_field)
        if reply.status != 200 or access is None or refresh is None:
            self.recorder.add("login_failures")
            return False
        self.session.signed_in(access, refresh)
        self.recorder.add("logins")
        return True

    def _refresh_token_in(self, reply: Reply, body_field: str) -> str | None:
        if self.target.refresh_transport == "cookie":
            return reply.cookies.get(self.target.refresh_carrier_field)
        return reply.text_field(body_field)

    # Protected requests --------------------------------------------------------------------

    def fetch_protected(self) -> bool:
        """One API call as the app makes it; True if it finally succeeded."""
        session, target = self.session, self.target
        token = session.access
        if token is None:
            self.recorder.add("requests_while_logged_out")
            return False
        path = target.protected_path
        # A refusal here is the normal start of a silent refresh, not a failed request.
        first = self.http.send("GET", path, name=path, ok={200, *target.rejections}, bearer=token)
        if first.status == 200:
            return True
        if first.status not in target.rejections:
            return False
        session.refused(token)
        fresh = self._refresh_after(token)
        if fresh is None:
            return False
        retry = self.http.send("GET", path, name=f"{path} [retry]", ok={200}, bearer=fresh)
        if retry.status == 200:
            session.recovered(token)
            return True
        if retry.status in target.rejections and not session.logged_out:
            # Refused again (e.g. the clock jumped during the refresh): the app gives up on this
            # call, as the interceptor retries only once; the next call starts a new event.
            # (After a logout the refusal is the revocation's doing, not a new expiry.)
            session.refused(fresh)
        self.recorder.add("failed_retries")
        return False

    def _refresh_after(self, stale: str) -> str | None:
        """Single flight: the first refusal refreshes; the others wait for its answer."""
        current = self.session.access
        if current is not None and current != stale:
            return current  # another request (or tab) already refreshed; just retry
        if self._in_flight is not None:
            answer: str | None = self._in_flight.get()
            return answer
        in_flight: AsyncResult = AsyncResult()
        self._in_flight = in_flight
        fresh: str | None = None
        try:
            fresh = self._refresh(stale)
        finally:
            self._in_flight = None
            in_flight.set(fresh)
        return fresh

    def _refresh(self, stale: str) -> str | None:
        """One refresh call; stores the new tokens, or logs the session out on a refusal."""
        session, target = self.session, self.target
        refresh_token = session.refresh
        if refresh_token is None or session.logged_out:
            return None
        generation = session.generation
        episode = session.refreshing(stale)
        reply = send_refresh(
            self.http, target, refresh_token, name=f"{target.refresh_path} [{self.kind}]", ok={200}
        )
        self.recorder.observe("refresh_ms", reply.ms, step=episode.step)
        if reply.status in target.refresh_rejections:
            self._lost_session(refresh_token, generation, reply)
            return None
        access = reply.text_field(target.refresh_access_field)
        if reply.status != 200 or access is None:
            self.recorder.add("refresh_errors")
            return None
        if session.generation != generation or session.logged_out:
            # Another tab was logged out meanwhile; a browser app would not sign back in.
            return None
        session.access = access
        rotated = self._refresh_token_in(reply, target.refresh_refresh_field)
        if rotated is not None:
            session.refresh = rotated
        return access

    def _lost_session(self, refresh_token: str, generation: int, reply: Reply) -> None:
        """The target refused the refresh token: the app logs the user out."""
        session = self.session
        if session.generation != generation or session.logged_out:
            return  # this session's logout is already counted
        session.logged_out = True
        session.access = session.refresh = None
        self.recorder.add("logouts")
        if self._refresh_token_expired(refresh_token):
            return
        self.recorder.add("false_logouts")
        detail = reply.body.get("detail") if isinstance(reply.body, dict) else None
        self.recorder.note(f"false logout: refresh refused with {reply.status} ({detail})")

    def _refresh_token_expired(self, refresh_token: str) -> bool:
        """True if the refresh token had simply run out, which makes the logout a fair one."""
        try:
            _, claims = decode_unverified(refresh_token)
        except HarnessError:
            return False  # an opaque token: nothing says it expired
        exp = claims.get("exp")
        now = self.clock.now()
        if not isinstance(exp, int | float) or now is None:
            return False
        return exp <= now - self.target.leeway


class NaiveTab(BrowserTab):
    """The seed's interceptor: every refused request refreshes on its own."""

    kind = "naive"

    def _refresh_after(self, stale: str) -> str | None:
        return self._refresh(stale)


def fire_batch(calls: list[Callable[[], T]]) -> list[T]:
    """Run the calls concurrently (the app's simultaneous requests) and wait for all of them.

    An exception in one call is raised here, so Locust reports it; if this greenlet is killed
    (the run stops), the calls die with it instead of lingering.
    """
    group = Group()
    greenlets = [group.spawn(call) for call in calls]
    try:
        group.join(raise_error=True)
    finally:
        group.kill(block=False)
    return [greenlet.value for greenlet in greenlets]


def send_refresh(
    http: Http, target: LoadTarget, token: str, *, name: str, ok: Container[int]
) -> Reply:
    """POST the token to the refresh path the way the profile's transport says."""
    path, carrier = target.refresh_path, target.refresh_carrier_field
    if target.refresh_transport == "json":
        return http.send("POST", path, name=name, ok=ok, json_body={carrier: token})
    if target.refresh_transport == "form":
        return http.send("POST", path, name=name, ok=ok, form={carrier: token})
    if target.refresh_transport == "bearer":
        return http.send("POST", path, name=name, ok=ok, bearer=token)
    return http.send("POST", path, name=name, ok=ok, cookies={carrier: token})
