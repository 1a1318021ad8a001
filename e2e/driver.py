"""Driving one app in real Chromium the way its client profile says: open, log in, fire a burst,
recognise the login view, read storage, log out; and breaking the API's /refresh on the wire.

Faults are Playwright routes on the browser context, matched on the API's origin and path, so
they work whatever origin the app itself is served from.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Error, Page, Playwright, Route

from conformance.outcomes import HarnessError, PreconditionFailed
from e2e.api import Api
from e2e.app import origin_of
from e2e.profile import ClientProfile
from e2e.recorder import Recorder

__all__ = [
    "CHROMIUM_FLAGS",
    "AppDriver",
    "BurstResult",
    "RefreshFault",
    "chromium_executable",
    "launch_chromium",
]

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Every wait of the suite is for something that takes milliseconds on a healthy app.
DEFAULT_TIMEOUT_MS = 10_000

# Runs the profile's burst script, but never longer than the bound: a client whose waiters hang
# would otherwise block the suite forever. Resolves with whether the burst settled in time.
_FIRE = """async ([source, n, limitMs]) => {
  const fire = (0, eval)('(' + source + ')');
  const started = performance.now();
  const outcome = Promise.resolve()
    .then(() => fire(n))
    .then(
      (value) => ({ settled: true, value }),
      (error) => ({ settled: true, error: String(error) }),
    );
  const timeout = new Promise((resolve) => setTimeout(() => resolve({ settled: false }), limitMs));
  const result = await Promise.race([outcome, timeout]);
  return { ...result, ms: performance.now() - started };
}"""


#: Debian's Chromium builds, best first. The headless shell (package chromium-headless-shell,
#: the same engine as chromium, what Playwright itself runs headless) costs well under half the
#: CPU of the full browser in headless mode: 10 against 24 CPU-s for 12 cases of a run.
SYSTEM_CHROMIUMS = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")


def chromium_executable() -> str | None:
    """$DUALTOKEN_CHROMIUM, else Debian's headless shell or chromium, else None (Playwright's
    own)."""
    configured = os.environ.get("DUALTOKEN_CHROMIUM")
    if configured:
        if not Path(configured).is_file():
            raise HarnessError(f"DUALTOKEN_CHROMIUM={configured}: no such file")
        return configured
    return next((path for path in SYSTEM_CHROMIUMS if Path(path).is_file()), None)


def launch_chromium(playwright: Playwright) -> Browser:
    try:
        return playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_FLAGS, headless=True
        )
    except Error as exc:
        raise HarnessError(
            f"cannot start Chromium ({exc.message.splitlines()[0]}); install it "
            "(apt-get install chromium) or set DUALTOKEN_CHROMIUM"
        ) from None


@dataclass(frozen=True)
class BurstResult:
    """What the app reported for a burst of calls, and whether it settled within the bound."""

    settled: bool
    ms: float
    ok: int | None
    failed: int | None
    navigated: bool = False
    error: str = ""

    def describe(self) -> str:
        if self.navigated:
            # How long the burst ran is not known: its page, and its clock, went away.
            return "the page navigated away (every pending call dropped)"
        if not self.settled:
            return f"calls still pending after {self.ms:.0f} ms"
        if self.error:
            return f"the burst script threw after {self.ms:.0f} ms: {self.error}"
        return f"{self.ok} ok, {self.failed} failed, settled in {self.ms:.0f} ms"


def _count(value: Any, key: str) -> int | None:
    if isinstance(value, dict) and isinstance(value.get(key), int):
        return int(value[key])
    if isinstance(value, list) and key in ("ok", "failed"):
        wanted = key == "ok"
        return sum(1 for item in value if bool(item) is wanted)
    return None


def _burst_result(raw: Any) -> BurstResult:
    if not isinstance(raw, dict):
        raise HarnessError(f"[burst] script: the suite's wrapper returned {raw!r}")
    value = raw.get("value")
    return BurstResult(
        settled=bool(raw.get("settled")),
        ms=float(raw.get("ms", 0.0)),
        ok=_count(value, "ok"),
        failed=_count(value, "failed"),
        error=str(raw.get("error", "")),
    )


def _navigated_away(page: Page) -> BurstResult:
    """A burst whose page navigated away (e.g. a full load of the login page): every pending
    call went with the old document. The next step must see the new page, not the one going
    away, so wait until it has loaded."""
    with suppress(Error):
        page.wait_for_load_state()
    return BurstResult(settled=True, ms=0.0, ok=None, failed=None, navigated=True)


class RefreshFault:
    """Take over the API's refresh endpoint: answer with a status, abort (a network error), or
    hold every call until `release()` (a slow refresh)."""

    def __init__(self, context: BrowserContext, origin: str, path: str) -> None:
        self._context = context
        self._origin = origin
        self._path = path
        self.mode = "pass"
        self.status = 0
        self.held: list[Route] = []
        self.hits = 0
        context.route(api_url_pattern(origin, (path,)), self._handle)

    def answer(self, status: int) -> RefreshFault:
        self.mode, self.status = "status", status
        return self

    def abort(self) -> RefreshFault:
        self.mode = "abort"
        return self

    def hold(self) -> RefreshFault:
        self.mode = "hold"
        return self

    def heal(self) -> None:
        """Let later refreshes through to the API again."""
        self.mode = "pass"

    def release(self, status: int | None = None, *, abort: bool = False) -> None:
        """Let the held calls through to the API; or answer them (and later ones) *status*;
        or, with *abort*, fail them (and later ones) with a network error."""
        held, self.held = self.held, []
        if abort:
            self.abort()
        elif status is None:
            self.mode = "pass"
        else:
            self.answer(status)
        for route in held:
            if abort:
                route.abort("connectionreset")
            elif status is None:
                route.continue_()
            else:
                self._fulfill(route)

    def _handle(self, route: Route) -> None:
        if route.request.method == "OPTIONS" or self.mode == "pass":
            route.continue_()
            return
        self.hits += 1
        if self.mode == "hold":
            self.held.append(route)
        elif self.mode == "abort":
            route.abort("connectionreset")
        else:
            self._fulfill(route)

    def _fulfill(self, route: Route) -> None:
        headers = {"Access-Control-Allow-Origin": route.request.headers.get("origin", "*")}
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        if self.status == 429:
            headers["Retry-After"] = "30"
        route.fulfill(
            status=self.status,
            content_type="application/json",
            headers=headers,
            body=json.dumps({"detail": f"injected {self.status} by the client suite"}),
        )


class LateCall:
    """Hold back the (pass_first + 1)-th protected call on its way to the API, so that its 401
    comes back only after the refresh the others started has finished."""

    def __init__(
        self, context: BrowserContext, origin: str, paths: tuple[str, ...], pass_first: int
    ):
        self._remaining = pass_first
        self.held: Route | None = None
        self._released = False
        context.route(api_url_pattern(origin, paths), self._handle)

    def _handle(self, route: Route) -> None:
        if route.request.method == "OPTIONS" or self.held is not None or self._remaining > 0:
            if route.request.method != "OPTIONS" and self.held is None:
                self._remaining -= 1
            route.continue_()
            return
        self.held = route

    def release(self) -> None:
        if self.held is not None and not self._released:
            self._released = True
            self.held.continue_()


class AppDriver:
    """One case's browser context: the app's pages, the network log, the API and its faults."""

    def __init__(self, browser: Browser, profile: ClientProfile, api: Api, app_url: str) -> None:
        self.profile = profile
        self.api = api
        self.app_url = app_url.rstrip("/")
        self._browser = browser
        self.context = browser.new_context()
        self.context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        #: Where the browser calls the API: at its own URL, or at the app's origin when the
        #: app's server forwards the API's paths to it ([app] proxies_api: a dev-server proxy).
        #: The network log and every fault are matched there.
        self.api_origin = origin_of(self.app_url if profile.app.proxies_api else api.url)
        keep = {profile.api.login_path, profile.api.refresh_path}
        self.recorder = Recorder(self.context, self.api_origin, keep)
        self.refresh_fault = RefreshFault(self.context, self.api_origin, profile.api.refresh_path)
        self.page = self.context.new_page()
        self._stored_tokens: dict[str, list[str]] = {}
        self._late_calls: list[LateCall] = []
        #: Figures a case measured (e.g. /refresh calls per burst), collected by the runner.
        self.measurements: dict[str, object] = {}

    # --- pages --------------------------------------------------------------------------------

    def url_for(self, path: str) -> str:
        query = [part for part in (self.profile.app.query,) if part]
        if self.profile.app.api_param:
            query.append(f"{self.profile.app.api_param}={self.api.url}")
        separator = "&" if "?" in path else "?"
        return self.app_url + path + (separator + "&".join(query) if query else "")

    def open(self, path: str, page: Page | None = None) -> Page:
        target = page or self.page
        try:
            target.goto(self.url_for(path))
        except Error as exc:
            raise PreconditionFailed(f"cannot open {self.url_for(path)}: {exc.message}") from None
        return target

    def new_tab(self) -> Page:
        return self.context.new_page()

    def another_session(self) -> AppDriver:
        """A second browser context on the same app and API (no storage shared, its own log
        and faults), for a question this case's session can no longer answer. Close it."""
        return AppDriver(self._browser, self.profile, self.api, self.app_url)

    def log_in(self, page: Page | None = None) -> Page:
        """Log in as the profile's user and wait until the login view is gone (set-up)."""
        login = self.profile.login
        target = page or self.page
        try:
            if login.url:
                self.open(login.url, target)
            else:
                self.open(login.page, target)
                target.fill(login.username_selector, login.username)
                target.fill(login.password_selector, login.password)
                target.click(login.submit_selector)
            self.wait_until_logged_in(target)
        except Error as exc:
            raise PreconditionFailed(f"could not log in: {exc.message.splitlines()[0]}") from None
        return target

    def wait_until_logged_in(self, page: Page, timeout_ms: float = 5_000) -> None:
        deadline = self._deadline(timeout_ms)
        while self.shows_login_view(page):
            if self._now() >= deadline:
                raise PreconditionFailed(
                    f"could not log in: the app still shows its login view ({page.url})"
                )
            page.wait_for_timeout(50)
        # The login view may go before the tokens are in: wait for the login answer (and, when
        # the profile says where tokens live, for the access token to be stored).
        login_path, key = self.profile.api.login_path, self.profile.storage.access_key

        def logged_in() -> bool:
            answered = any(
                call.status is not None and 200 <= call.status < 300
                for call in self.recorder.api_calls(login_path, method="POST")
            )
            try:
                return answered and (not key or self.stored(key, page) is not None)
            except Error:
                return False  # the app is loading its next page after the login: ask again

        # A login URL too: a page that never showed the login view is not yet logged in, and a
        # burst fired before the tokens arrive would be judged on calls that carry none.
        if not self.wait_for(logged_in, timeout_ms):
            how = f"[login] url {self.profile.login.url}" if self.profile.login.url else "the form"
            # What the browser did post says what is wrong with the profile (a path without the
            # API's prefix, another origin) better than what it did not.
            log = self.recorder.log
            posts = [f"{r.url.split('?')[0]} ({r.status})" for r in log if r.method == "POST"]
            raise PreconditionFailed(
                f"could not log in with {how}: no successful POST {login_path} at "
                f"{self.api_origin} (or no {key!r} stored); the browser posted to: "
                f"{', '.join(posts[:3]) or 'nothing'}"
            )
        self._remember_stored_tokens(page)

    def _remember_stored_tokens(self, page: Page) -> None:
        """The tokens the app stored at login, where the profile's [storage] says: what it was
        given, should the login answer's body be gone (an app that loads another page at once)."""
        storage, api = self.profile.storage, self.api
        for key, field_name in (
            (storage.access_key, api.access_token_field),
            (storage.refresh_key, api.refresh_token_field),
        ):
            with suppress(Error):
                value = self.stored(key, page) if key else None
                if value and value not in self._stored_tokens.setdefault(field_name, []):
                    self._stored_tokens[field_name].append(value)

    def issued_tokens(self, field_name: str) -> list[str]:
        """The tokens the API issued under *field_name* in this session, from the login and
        refresh answers the browser got, and from what the app stored at login."""
        found = self.recorder.issued_tokens(field_name)
        return found + [t for t in self._stored_tokens.get(field_name, []) if t not in found]

    def shows_login_view(self, page: Page | None = None) -> bool:
        target = page or self.page
        view = self.profile.login_view
        if view.url_matches(target.url):
            return True
        if view.selector:
            try:
                return target.locator(view.selector).first.is_visible()
            except Error:
                return False
        return False

    def wait_for_login_view(self, within_ms: float, page: Page | None = None) -> bool:
        target = page or self.page
        deadline = self._deadline(within_ms)
        while True:
            if self.shows_login_view(target):
                return True
            if self._now() >= deadline:
                return False
            target.wait_for_timeout(25)

    def fire(self, n: int, *, limit_ms: float = 10_000, page: Page | None = None) -> BurstResult:
        """Make the app fire *n* authenticated calls at once; wait until they settle or
        *limit_ms* passes."""
        target = page or self.page
        burst = self.profile.burst
        if burst.page and urlsplit(target.url).path != burst.page:
            self.open(burst.page, target)
        try:
            raw = target.evaluate(_FIRE, [burst.script, n, limit_ms])
        except Error as exc:
            if "context was destroyed" in exc.message or "navigation" in exc.message:
                return _navigated_away(target)
            raise HarnessError(f"[burst] script: {exc.message.splitlines()[0]}") from None
        return _burst_result(raw)

    def start_burst(
        self, n: int, page: Page | None = None, *, slot: str = "burst", limit_ms: float = 30_000
    ) -> None:
        """Fire a burst without waiting for it (e.g. while /refresh is held); `await_burst`
        collects it."""
        page = page or self.page
        burst = self.profile.burst
        if burst.page and urlsplit(page.url).path != burst.page:
            self.open(burst.page, page)
        page.evaluate(
            "([fire, source, n, ms, slot]) => { const kept = (window.__clientSuite ||= {});"
            " const done = (window.__clientSuiteDone ||= {}); done[slot] = false;"
            " kept[slot] = (0, eval)('(' + fire + ')')([source, n, ms]);"
            " kept[slot].then(() => { done[slot] = true; }); }",
            [_FIRE, burst.script, n, limit_ms, slot],
        )

    def burst_pending(self, page: Page, slot: str = "burst") -> bool:
        """Whether a started burst is still waiting for calls in *page*. A page that navigated
        away (e.g. to a login page) dropped its burst: nothing is pending there any more."""
        try:
            return bool(
                page.evaluate("(slot) => (window.__clientSuiteDone || {})[slot] === false", slot)
            )
        except Error:
            return False  # the page is navigating: its burst went with the old document

    def await_burst(
        self, page: Page, slot: str = "burst", *, within_ms: float = 10_000
    ) -> BurstResult:
        """The outcome of a started burst, if it settles within *within_ms* from now."""
        try:
            # A page that navigated away since the burst started (a full load of the login
            # page is common) has no burst: that is an answer, not a broken suite.
            raw = page.evaluate(
                "([slot, ms]) => !(window.__clientSuite && slot in window.__clientSuite) ? "
                "{ navigated: true } : Promise.race([window.__clientSuite[slot], new Promise("
                "(resolve) => setTimeout(() => resolve({ settled: false, ms }), ms))])",
                [slot, within_ms],
            )
        except Error as exc:
            if "context was destroyed" in exc.message or "navigation" in exc.message:
                return _navigated_away(page)
            raise HarnessError(f"[burst] script: {exc.message.splitlines()[0]}") from None
        if isinstance(raw, dict) and raw.get("navigated"):
            return _navigated_away(page)
        return _burst_result(raw)

    def refuse_protected_after_refresh(self) -> None:
        """Answer 401 to protected calls carrying any token but the ones issued so far: the
        retries after a refresh are refused, the first attempts reach the API."""
        issued = self.recorder.issued_tokens(self.api.access_token_field)
        spared = {f"Bearer {token}" for token in issued}

        def handle(route: Route) -> None:
            request = route.request
            if request.method == "OPTIONS" or request.headers.get("authorization") in spared:
                route.continue_()
                return
            route.fulfill(
                status=401,
                content_type="application/json",
                headers={
                    "WWW-Authenticate": 'Bearer error="invalid_token"',
                    "Access-Control-Allow-Origin": request.headers.get("origin", "*"),
                },
                body=json.dumps({"detail": "injected 401 by the client suite"}),
            )

        protected = api_url_pattern(self.api_origin, self.profile.api.protected_paths)
        self.context.route(protected, handle)

    def log_out(self) -> None:
        logout = self.profile.logout
        if logout.selector:
            self.page.click(logout.selector)
            return
        try:
            self.page.evaluate(f"({logout.script})()")
        except Error as exc:
            if "context was destroyed" in exc.message or "navigation" in exc.message:
                return  # the script navigated away (e.g. to a logout page): that is its job
            raise HarnessError(f"[logout] script: {exc.message.splitlines()[0]}") from None

    def log_out_if_logged_in(self) -> bool:
        """Log out, unless the app shows its login view by itself (e.g. after a refused call:
        it may be loading its login page right now, where no logout element will ever show).
        Whether it logged out."""
        selector = self.profile.logout.selector
        deadline = self._deadline(DEFAULT_TIMEOUT_MS)
        while not self.shows_login_view():
            if not selector:
                self.log_out()
                return True
            try:
                # Short tries: on a page being replaced by the login page, one long click would
                # wait the whole timeout for an element that never shows.
                self.page.locator(selector).first.click(timeout=250)
                return True
            except Error:
                if self._now() >= deadline:
                    raise
        return False

    def stored(self, key: str, page: Page | None = None) -> str | None:
        target = page or self.page
        area = "localStorage" if self.profile.storage.area == "local" else "sessionStorage"
        value = target.evaluate(f"key => window.{area}.getItem(key)", key)
        return value if isinstance(value, str) else None

    def script_visible_text(self) -> str:
        """Everything script on the app's page can read: cookies and both storages."""
        dumped = self.page.evaluate(
            """() => JSON.stringify({
              cookie: document.cookie,
              local: Object.entries(localStorage),
              session: Object.entries(sessionStorage),
            })"""
        )
        return str(dumped)

    def wait_for(self, condition: Callable[[], bool], within_ms: float) -> bool:
        """Poll *condition* while Playwright delivers events; whether it came true in time."""
        deadline = self._deadline(within_ms)
        while not condition():
            if self._now() >= deadline:
                return False
            self.page.wait_for_timeout(20)
        return True

    def hold_late_call(self, pass_first: int) -> LateCall:
        late = LateCall(self.context, self.api_origin, self.profile.api.protected_paths, pass_first)
        self._late_calls.append(late)
        return late

    def answered_calls(self, since: int, status: int) -> int:
        calls = self.recorder.api_calls_to(self.profile.api.protected_paths, since=since)
        return sum(1 for call in calls if call.status == status)

    def refused_calls(self, since: int) -> int:
        """Protected calls since *since* the API (or a fault) answered 401."""
        return self.answered_calls(since, 401)

    def quiet(self, ms: float) -> None:
        """Let the app run for *ms* (to see a late or looping refresh) while events arrive."""
        self.page.wait_for_timeout(ms)

    def close(self) -> None:
        # A case that stopped early (a premise) may still hold calls: a route left pending when
        # its context closes leaves Playwright's task behind ("Task was destroyed but it is
        # pending!" at exit).
        self.refresh_fault.release()
        for late in self._late_calls:
            with suppress(Error):
                late.release()
        self.context.close()

    @staticmethod
    def _now() -> float:
        return time.monotonic()

    def _deadline(self, ms: float) -> float:
        return self._now() + ms / 1000


def api_url_pattern(origin: str, paths: Iterable[str]) -> re.Pattern[str]:
    """Requests to *paths* on *origin*, as a pattern Playwright hands to the browser: a Python
    function as a route's matcher makes Chromium stop every request (the app's scripts and
    styles too) and ask the suite about it, which was most of a run's CPU."""
    alternatives = "|".join(re.escape(path) for path in paths)
    return re.compile(rf"^{re.escape(origin)}(?:{alternatives})(?:[?#]|$)")


def looks_like_jwt(value: str) -> bool:
    return re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]*", value) is not None
