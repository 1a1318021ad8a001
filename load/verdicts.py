"""Mixed tokens under load: tokens whose right verdict is known beforehand, every answer checked.

Each batch sends, concurrently, a cycle of: a valid access token (must be accepted), an expired
one, a revoked one (logged out), one signed with the wrong key, a refresh token used as an access
token, and an access token sent to the refresh endpoint (all must be refused). A wrong verdict is
any other answer: an acceptance of a bad token, a refusal of a good one, a 5xx.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from conformance.forge import decode_unverified
from conformance.outcomes import HarnessError, Skipped
from load.browser import BrowserSession, BrowserTab, Recorder, ServerClock, fire_batch, send_refresh
from load.target import LoadTarget
from load.wire import Http

__all__ = ["TOKEN_KINDS", "TokenMixProbe"]

TOKEN_KINDS = (
    "valid",
    "expired",
    "revoked",
    "bad-signature",
    "refresh-as-access",
    "access-as-refresh",
)

# A clock reading that moved this much more than the wall clock means the test clock jumped.
CLOCK_JUMP = 1.0


@dataclass(frozen=True)
class Probe:
    kind: str
    token: str


class TokenMixProbe:
    """One simulated client that sends a known mix of good and bad tokens and checks verdicts."""

    kind = "mixed"

    def __init__(
        self, http: Http, target: LoadTarget, recorder: Recorder, clock: ServerClock
    ) -> None:
        self.http = http
        self.target = target
        self.recorder = recorder
        self.clock = clock
        self.session = BrowserSession(recorder)
        self.tab = BrowserTab(http, target, self.session, clock)
        # One forger for the probe's life: for RSA targets it makes its wrong key only once.
        self.forger = target.forger()
        self.revoked: str | None = None
        self.old_tokens: list[str] = []
        self.skipped: set[str] = set()

    def run_batch(self, size: int) -> None:
        """Send `size` probes at once and count the verdicts (the whole batch is discarded if
        the target's clock jumped meanwhile, since "valid" and "expired" would then blur)."""
        started_wall = time.time()
        before = self.clock.now()
        if before is None:
            self.recorder.add("inconclusive_batches")
            return
        probes = self._probes(before)
        if not probes:
            return
        plan = [probes[i % len(probes)] for i in range(max(size, len(probes)))]
        calls: list[Callable[[], tuple[str, int]]] = [self._sender(probe) for probe in plan]
        answers = fire_batch(calls)
        after = self.clock.now()
        if after is None or (after - before) - (time.time() - started_wall) > CLOCK_JUMP:
            self.recorder.add("inconclusive_batches")
            return
        for kind, status in answers:
            self._judge(kind, status)

    # Tokens ------------------------------------------------------------------------------

    def _probes(self, now: float) -> list[Probe]:
        if not self._fresh_session(now):
            return []
        access, refresh = self.session.access, self.session.refresh
        assert access is not None and refresh is not None
        probes = [Probe("valid", access)]
        expired = self._expired_token(access, now)
        if expired is not None:
            probes.append(Probe("expired", expired))
        revoked = self._revoked_token()
        if revoked is not None:
            probes.append(Probe("revoked", revoked))
        probes.append(Probe("bad-signature", self._wrong_key(access)))
        probes.append(Probe("refresh-as-access", refresh))
        probes.append(Probe("access-as-refresh", access))
        return probes

    def _fresh_session(self, now: float) -> bool:
        """A login whose access token stays valid for the batch (with room for leeway)."""
        access = self.session.access
        margin = self.target.leeway + 1.0
        if access is not None and _expiry(access) > now + margin:
            return True
        if access is not None:
            self.old_tokens = [*self.old_tokens[-4:], access]
        return self.tab.login()

    def _expired_token(self, template: str, now: float) -> str | None:
        """A forged copy with `exp` in the past, or, without a key, an old token that ran out."""
        if self.target.can_forge:
            try:
                return self.target.expired_copy(template, now)
            except (HarnessError, Skipped) as exc:
                self._skip("expired", f"cannot forge an expired token: {exc}")
                return None
        for token in reversed(self.old_tokens):
            if _expiry(token) <= now - self.target.leeway - 1:
                return token
        return None  # none has run out yet (wait mode, early in the run)

    def _revoked_token(self) -> str | None:
        if self.revoked is not None:
            return self.revoked
        if not self.target.logout or not self.target.logout_revokes_access:
            self._skip("revoked", "the profile promises no logout that revokes access tokens")
            return None
        victim = BrowserSession(self.recorder)
        if not BrowserTab(self.http, self.target, victim, self.clock).login():
            return None
        assert victim.access is not None and victim.refresh is not None
        done = {200, 204}
        # A clock jump between this login and its logout can expire the victim's token: the
        # logout is then refused and simply tried again with the next batch.
        ok = done | set(self.target.rejections) if self.target.time_mode == "clock" else done
        for call in self.target.logout:
            bearer = {"access": victim.access, "refresh": victim.refresh}.get(call.bearer)
            carried = {call.field: victim.refresh}
            reply = self.http.send(
                call.method,
                call.path,
                name=f"{call.path} [mixed]",
                ok=ok,
                bearer=bearer,
                json_body=carried if call.refresh == "json" else None,
                form=carried if call.refresh == "form" else None,
                cookies=carried if call.refresh == "cookie" else None,
            )
            if reply.status not in done:
                self.recorder.add("logout_failures")
                return None
        self.revoked = victim.access
        return self.revoked

    def _wrong_key(self, template: str) -> str:
        try:
            return self.forger.with_wrong_key(template)
        except HarnessError:
            # Flip one character in the middle of the signature: same shape, wrong signature.
            head, _, signature = template.rpartition(".")
            middle = len(signature) // 2
            flipped = "A" if signature[middle] != "A" else "B"
            return f"{head}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"

    def _skip(self, kind: str, reason: str) -> None:
        if kind not in self.skipped:
            self.skipped.add(kind)
            self.recorder.note(f"{kind} tokens not sent: {reason}")

    # Sending and judging -------------------------------------------------------------------

    def _sender(self, probe: Probe) -> Callable[[], tuple[str, int]]:
        target = self.target
        accepted = probe.kind == "valid"
        if probe.kind == "access-as-refresh":
            name = f"{target.refresh_path} [mixed: {probe.kind}]"

            def refresh_call() -> tuple[str, int]:
                reply = send_refresh(
                    self.http, target, probe.token, name=name, ok=set(target.refresh_rejections)
                )
                return probe.kind, reply.status

            return refresh_call
        ok = {200} if accepted else set(target.rejections)
        if accepted and target.time_mode == "clock":
            # A clock jump during the batch may expire the valid token: such a batch is thrown
            # away as inconclusive below, so Locust should not count the refusal as a failure.
            ok |= set(target.rejections)
        path = target.protected_path
        name = f"{path} [mixed: {probe.kind}]"

        def protected_call() -> tuple[str, int]:
            reply = self.http.send("GET", path, name=name, ok=ok, bearer=probe.token)
            return probe.kind, reply.status

        return protected_call

    def _judge(self, kind: str, status: int) -> None:
        target = self.target
        if kind == "valid":
            right = status == 200
        elif kind == "access-as-refresh":
            right = status in target.refresh_rejections
        else:
            right = status in target.rejections
        self.recorder.add(f"verdicts:{kind}")
        if not right:
            self.recorder.add(f"wrong_verdicts:{kind}")
            answer = f"HTTP {status}" if status else "no answer"
            self.recorder.note(f"wrong verdict: {kind} token answered {answer}")


def _expiry(token: str) -> float:
    try:
        _, claims = decode_unverified(token)
    except HarnessError:
        return float("inf")  # opaque token: trust it until the target says otherwise
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else float("inf")
