"""Our frontend's own browser scenarios, as plain functions of a Harness.

What any dual-token client must do (one refresh per expiry, settling, no loop, rotation, ...)
is the client suite's catalogue (e2e/catalogue.py), run on this frontend by tests/e2e/. These
scenarios check what is particular to this app: its messages, login reasons, loading states,
tab propagation and fallbacks. Every check carries a label in brackets, e.g. `[settle]`.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.faults import Hold, ProtectedAnswers
from e2e.harness import DASHBOARD_URL, LOGIN_URL, Harness, Tab
from e2e.network import Exchange, wait_until

#: The issue's bound: after the session ends, every pending request settles within this.
SETTLE_MS = 2_000
#: How long to keep watching for a refresh loop or a late, extra refresh.
QUIET_MS = 400


def expect_settled(tab: Tab, within_ms: int = SETTLE_MS) -> None:
    """No API call of this tab is still pending (in flight or parked behind a refresh)."""
    expect(tab.status.inflight, "[settle] requests still pending").to_have_text(
        "0", timeout=within_ms
    )


def expect_logged_in_on_dashboard(tab: Tab) -> None:
    expect(tab.page, "[session-kept] user was sent away from the dashboard").to_have_url(
        DASHBOARD_URL, timeout=1_000
    )
    assert tab.status.access_token() is not None, "[session-kept] the access token was cleared"


def expect_session_ended(tab: Tab, reason: str) -> None:
    """Redirected to /login with the reason shown, and no tokens left behind."""
    expect(tab.page, "[redirect] not sent to /login").to_have_url(LOGIN_URL, timeout=SETTLE_MS)
    expect(tab.login.reason, "[message] /login does not say why").to_have_attribute(
        "data-reason", reason, timeout=1_000
    )
    assert tab.status.access_token() is None, "[tokens-cleared] access token still stored"
    assert tab.status.refresh_token() is None, "[tokens-cleared] refresh token still stored"


def describe(exchanges: list[Exchange]) -> str:
    return ", ".join(f"{e.method} {e.path} -> {e.status}" for e in exchanges) or "none"


# --- logging in --------------------------------------------------------------------------------


def login_succeeds(h: Harness) -> None:
    tab = h.log_in()
    assert tab.status.access_token(), "[login] no access token stored"
    expect(tab.status.notice).to_have_attribute("data-kind", "login-ok")
    expect(tab.status.user).to_have_text("user1")


def login_shows_loading_state(h: Harness) -> None:
    tab = h.open_login()
    hold = Hold(h.context, "/login")
    tab.login.log_in()
    wait_until(tab.page, lambda: len(hold.held) == 1, timeout_ms=5_000, message="no /login sent")
    expect(tab.login.submit, "[loading] no loading state").to_have_class(re.compile("is-loading"))
    expect(tab.login.submit).to_be_disabled()
    hold.release()
    expect(tab.page).to_have_url(DASHBOARD_URL)


def login_failure_shows_error(h: Harness) -> None:
    tab = h.open_login()
    mark = h.network.mark()
    tab.login.submit.click()  # both fields empty
    expect(tab.login.error).to_have_attribute("data-kind", "validation")
    assert h.network.since(mark, "/login") == [], "[validation] empty form was sent to /login"

    tab.login.log_in(password="wrong-password")
    expect(tab.login.error).to_have_attribute("data-kind", "login-failed")
    expect(tab.page).to_have_url(LOGIN_URL)
    assert tab.status.access_token() is None, "[login] tokens stored after a failed login"
    logins = h.network.since(mark, "/login", "POST")
    assert [e.status for e in logins] == [401], f"[login] /login calls: {describe(logins)}"
    assert h.network.since(mark, "/refresh") == [], "[login] a failed login tried to refresh"


# --- the happy paths ---------------------------------------------------------------------------


def protected_fetch(h: Harness) -> None:
    tab = h.log_in()
    tab.dashboard.fetch_protected()
    expect(tab.dashboard.result).to_contain_text("Hello user1")
    tab.dashboard.fetch_public()
    expect(tab.dashboard.result).to_contain_text("This is public data")
    assert h.network.refresh_calls() == [], "[one-refresh] refreshed with a valid token"


def silent_refresh(h: Harness) -> None:
    """The access token expires on the server; the user's next click just works."""
    tab = h.log_in()
    old_token = tab.status.access_token()
    h.server.expire_access_tokens()
    mark = h.network.mark()
    tab.dashboard.fetch_protected()
    expect(tab.dashboard.result).to_contain_text("Hello user1")
    expect(tab.dashboard.result_error).to_have_count(0)
    expect(tab.status.notice).to_have_attribute("data-kind", "data-ok")
    refreshes = h.network.since(mark, "/refresh", "POST")
    assert len(refreshes) == 1, f"[one-refresh] {describe(refreshes)}"
    assert tab.status.access_token() not in (None, old_token), "[refresh] token not replaced"
    expect_logged_in_on_dashboard(tab)


# --- the session ends ----------------------------------------------------------------------------


def _burst_ends_session(h: Harness, tab: Tab, *, expected_refreshes: int) -> None:
    mark = h.network.mark()
    tab.dashboard.fire_burst(5)
    expect_settled(tab)
    expect_session_ended(tab, "session-expired")
    expect(tab.status.failed, "[settle] not every call was rejected").to_have_text("5")
    expect(tab.status.notice, "[message] no session-expired message").to_have_attribute(
        "data-kind", "session-expired"
    )
    tab.page.wait_for_timeout(QUIET_MS)
    refreshes = h.network.since(mark, "/refresh", "POST")
    assert len(refreshes) == expected_refreshes, (
        f"[no-loop] expected {expected_refreshes} /refresh, saw {describe(refreshes)}"
    )


def refresh_token_expired(h: Harness) -> None:
    tab = h.log_in()
    h.server.expire_refresh_tokens()
    _burst_ends_session(h, tab, expected_refreshes=1)


def refresh_token_revoked(h: Harness) -> None:
    """Another device logged this session out: access and refresh token are both revoked."""
    tab = h.log_in()
    access, refresh = tab.status.access_token(), tab.status.refresh_token()
    with h.server.api() as api:
        body = {"refresh_token": refresh} if refresh else None
        revoked = api.post("/logout", headers={"Authorization": f"Bearer {access}"}, json=body)
        assert revoked.status_code == 200, f"set-up: server logout answered {revoked.status_code}"
    _burst_ends_session(h, tab, expected_refreshes=1)


#: Drop the refresh token from both of the client's copies (localStorage and IndexedDB).
FORGET_REFRESH_TOKEN = """async () => {
  localStorage.removeItem('refresh_token');
  const db = await new Promise((resolve, reject) => {
    const opening = indexedDB.open('dualtoken');
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction('kv', 'readwrite');
    const store = tx.objectStore('kv');
    const read = store.get('session');
    read.onsuccess = () => {
      if (read.result) store.put({ ...read.result, refreshToken: null }, 'session');
    };
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}"""


def refresh_token_missing(h: Harness) -> None:
    """No refresh token stored: the client must not even call /refresh."""
    tab = h.log_in()
    tab.page.evaluate(FORGET_REFRESH_TOKEN)
    h.server.expire_access_tokens()
    _burst_ends_session(h, tab, expected_refreshes=0)


# --- failures that must not end the session ------------------------------------------------------


def retry_answering_401_settles(h: Harness) -> None:
    """The retry after a good refresh gets 401 once: that call fails on its own, promptly, the
    session stays, and the next call works."""
    tab = h.log_in()
    old_token = tab.status.access_token()
    ProtectedAnswers(h.context, 401, spare_token=old_token, times=1)
    h.server.expire_access_tokens()
    mark = h.network.mark()
    tab.dashboard.fetch_protected()
    expect(tab.dashboard.result_error, "[settle] the retried call never failed").to_have_attribute(
        "data-kind", "unauthorized", timeout=SETTLE_MS
    )
    expect_settled(tab)
    expect_logged_in_on_dashboard(tab)
    tab.page.wait_for_timeout(QUIET_MS)
    refreshes = h.network.since(mark, "/refresh", "POST")
    assert len(refreshes) == 1, f"[no-loop] {describe(refreshes)}"

    tab.dashboard.fetch_protected()
    expect(tab.dashboard.result_error, "[later-works] the next call failed").to_have_count(
        0, timeout=SETTLE_MS
    )
    expect(tab.dashboard.result).to_contain_text("Hello user1")


def retry_answering_5xx_keeps_session(h: Harness) -> None:
    tab = h.log_in()
    old_token = tab.status.access_token()
    ProtectedAnswers(h.context, 503, spare_token=old_token, times=1)
    h.server.expire_access_tokens()
    tab.dashboard.fetch_protected()
    expect(tab.dashboard.result_error).to_have_attribute("data-kind", "server")
    expect(tab.status.notice).to_have_attribute("data-kind", "server")
    expect_logged_in_on_dashboard(tab)
    tab.dashboard.fetch_protected()
    expect(tab.dashboard.result).to_contain_text("Hello user1")


def forbidden_and_network_errors_keep_session(h: Harness) -> None:
    tab = h.log_in()
    faults = ProtectedAnswers(h.context, 403, times=1)
    tab.dashboard.fetch_protected()
    expect(tab.dashboard.result_error).to_have_attribute("data-kind", "forbidden")
    expect(tab.status.notice).to_have_attribute("data-kind", "forbidden")
    expect_logged_in_on_dashboard(tab)

    faults.status, faults.remaining = None, 1  # abort the next request: a network error
    tab.dashboard.fetch_protected()
    expect(tab.dashboard.result_error).to_have_attribute("data-kind", "network")
    expect(tab.status.notice).to_have_attribute("data-kind", "network")
    expect_logged_in_on_dashboard(tab)
    assert h.network.refresh_calls() == [], "[one-refresh] refreshed for a 403 or network error"

    tab.dashboard.fetch_protected()
    expect(tab.dashboard.result).to_contain_text("Hello user1")


# --- logout and reload ---------------------------------------------------------------------------


def logout_revokes_tokens(h: Harness, *, expired_first: bool = False) -> None:
    tab = h.log_in()
    access, refresh = tab.status.access_token(), tab.status.refresh_token()
    if expired_first:
        h.server.expire_access_tokens()
    tab.dashboard.log_out()
    expect_session_ended(tab, "logged-out")
    logouts = [e for e in h.network.calls("/logout", "POST") if e.status == 200]
    assert logouts, f"[logout] no successful /logout: {describe(h.network.calls('/logout'))}"
    with h.server.api() as api:
        current_access = h.network.calls("/logout", "POST")[-1].authorization or ""
        for authorization in {f"Bearer {access}", current_access}:
            answer = api.get("/protected", headers={"Authorization": authorization})
            assert answer.status_code == 401, f"[revoked] old access token: {answer.status_code}"
        if refresh is not None:
            answer = api.post("/refresh", json={"refresh_token": refresh})
            assert answer.status_code == 401, f"[revoked] old refresh token: {answer.status_code}"


def reload_keeps_session(h: Harness) -> None:
    tab = h.log_in()
    tab.page.reload()
    expect(tab.page).to_have_url(DASHBOARD_URL)
    expect(tab.dashboard.user).to_have_text("user1")
    h.server.expire_access_tokens()
    tab.page.reload()
    tab.dashboard.fetch_protected()
    expect(tab.dashboard.result).to_contain_text("Hello user1")


# --- several tabs -------------------------------------------------------------------------------


def two_tabs_share_one_refresh(h: Harness) -> None:
    """Both tabs meet the expired token while the first tab's refresh is still on the wire: the
    second must wait for it and use its result, not refresh (and, with rotation, spend the same
    refresh token twice, which the server treats as theft)."""
    first = h.log_in()
    second = h.new_tab()
    expect(second.dashboard.user).to_have_text("user1")
    hold = Hold(h.context, "/refresh")
    h.server.expire_access_tokens()
    mark = h.network.mark()

    first.dashboard.fire_burst(5)
    wait_until(
        first.page,
        lambda: len(hold.held) >= 1,
        timeout_ms=5_000,
        message="the first tab never asked for a refresh",
    )
    second.dashboard.fire_burst(5)
    wait_until(
        second.page,
        lambda: sum(e.status == 401 for e in h.network.since(mark, "/protected")) >= 10,
        timeout_ms=5_000,
        message="the second tab's calls were not all refused",
    )
    second.page.wait_for_timeout(300)  # room for a wrongly eager second /refresh to show up
    hold.release()

    for tab in (first, second):
        expect_settled(tab, within_ms=5_000)
    refreshes = h.network.since(mark, "/refresh", "POST")
    assert len(refreshes) == 1, f"[one-refresh] two tabs made {len(refreshes)} /refresh calls"
    for tab in (first, second):
        expect(tab.dashboard.burst_ok, "[all-succeed]").to_have_text("5")
    second.dashboard.fetch_protected()
    expect(second.dashboard.result, "[session-kept] session revoked").to_contain_text("Hello")


def logout_propagates(h: Harness) -> None:
    first = h.log_in()
    second = h.new_tab()
    expect(second.dashboard.user).to_have_text("user1")
    first.dashboard.log_out()
    expect_session_ended(first, "logged-out")
    expect_session_ended(second, "logged-out-elsewhere")


def login_propagates(h: Harness) -> None:
    waiting = h.open_login(Tab(h.context.new_page()))
    h.log_in()
    expect(waiting.page, "[login-sync] other tab stayed on /login").to_have_url(
        DASHBOARD_URL, timeout=SETTLE_MS
    )
