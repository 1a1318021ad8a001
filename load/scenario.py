"""The shape of a load run: steps of N users, and in each step one round where every token expires.

A round: the step's users start and log in; once all of them hold tokens (and at least `settle`
seconds into the step) every access token expires at once. Clock mode: one jump of the target's
test clock past the access lifetime, a single global moment, which is exactly the "thousands
expire at once" question. Forge mode: every client swaps its token for a forged expired copy.
Wait mode: the round waits out the target's short lifetime. Then every client fires its K
requests at once, and the round ends when all have finished (or after `round_timeout`). The
master (or the single process) runs the schedule and tells workers the step and the expiry
moment by Locust messages; workers report clients that are ready and clients that finished.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import gevent
from gevent.event import Event
from locust import LoadTestShape
from locust.env import Environment
from locust.runners import MasterRunner, Runner, WorkerRunner

from load.tally import Tally
from load.target import LoadTarget

__all__ = ["STATE", "Plan", "Round", "RunState", "SteppedExpiry"]

log = logging.getLogger("dualtoken.load")

STEP_MESSAGE = "dualtoken_step"
EXPIRE_MESSAGE = "dualtoken_expire"
ARMED_MESSAGE = "dualtoken_armed"
DONE_MESSAGE = "dualtoken_done"


@dataclass(frozen=True)
class Plan:
    """How many users, and what each of them does."""

    steps: tuple[int, ...] = (10, 50, 100, 200)
    settle: float = 0.2
    round_timeout: float = 15.0
    concurrent_requests: int = 10
    tabs: int = 3
    mixed_users: int = 4
    mixed_pacing: float = 0.5
    connections: int = 6
    jitter: float = 0.0

    @property
    def spawn_rate(self) -> float:
        # Fast: the expiry moment waits for the step's clients anyway.
        largest_jump = max(b - a for a, b in zip((0, *self.steps), self.steps, strict=False))
        return max(10.0, largest_jump / 0.2)


@dataclass
class Round:
    """One expiry moment and how the clients got through it."""

    step: int  # 1-based: user counts may repeat, step numbers do not
    users: int
    epoch: int
    at: float  # seconds since the run started
    ok: bool
    detail: str
    clients: int  # clients that were running at the expiry moment
    finished: int = 0
    seconds: float | None = None  # from the expiry moment to the last client's finish
    timed_out: bool = False


@dataclass
class RunState:
    """Process-wide state of one run: what every simulated user of this process reads."""

    tally: Tally = field(default_factory=Tally)
    target: LoadTarget | None = None
    plan: Plan = field(default_factory=Plan)
    step: int = 0  # 1-based number of the current step; 0 before the first
    epoch: int = 0
    started: float = field(default_factory=time.monotonic)
    rounds: list[Round] = field(default_factory=list)
    mixed_users: int = 0
    finished: Counter[int] = field(default_factory=Counter)
    armed: int = 0  # clients that have logged in (or failed to) since the run started
    _rounds_before_step: int = 0
    _expired: Event = field(default_factory=Event)

    def current_step(self) -> int:
        return self.step

    def require_target(self) -> LoadTarget:
        if self.target is None:
            raise RuntimeError("the load run was not configured (no target)")
        return self.target

    # Clients' side -----------------------------------------------------------------------

    def wait_for_expiry(self, seen: int, timeout: float) -> int | None:
        """The new epoch once the next expiry moment has come, or None after `timeout`."""
        if self.epoch == seen:
            self._expired.wait(timeout)
        return self.epoch if self.epoch != seen else None

    def client_armed(self, runner: Runner | None) -> None:
        """A client holds its first token (or gave up trying): the expiry moment may come."""
        if runner is not None:
            runner.send_message(ARMED_MESSAGE, {})

    def client_finished(self, epoch: int, runner: Runner | None) -> None:
        if runner is not None:
            runner.send_message(DONE_MESSAGE, {"epoch": epoch})

    # Messages ------------------------------------------------------------------------------

    def listen(self, runner: Runner) -> None:
        if not isinstance(runner, MasterRunner):
            runner.register_message(STEP_MESSAGE, self._on_step)
            runner.register_message(EXPIRE_MESSAGE, self._on_expire)
        if not isinstance(runner, WorkerRunner):
            runner.register_message(ARMED_MESSAGE, self._on_armed)
            runner.register_message(DONE_MESSAGE, self._on_done)

    def _on_step(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.step = int(msg.data["step"])

    def _on_expire(self, environment: Environment, msg: Any, **_: Any) -> None:
        self._set_epoch(int(msg.data["epoch"]))

    def _on_armed(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.armed += 1

    def _on_done(self, environment: Environment, msg: Any, **_: Any) -> None:
        epoch = int(msg.data["epoch"])
        self.finished[epoch] += 1
        current = self.rounds[-1] if self.rounds else None
        if current is not None and current.epoch == epoch and current.seconds is None:
            current.finished = self.finished[epoch]
            if current.finished >= current.clients:
                # Timed here, not in the shape's once-a-second tick, so the figure is exact.
                current.seconds = round(time.monotonic() - self.started - current.at, 3)

    def _set_epoch(self, epoch: int) -> None:
        if epoch > self.epoch:
            self.epoch = epoch
            # Wake every waiting client, then arm a fresh event for the next moment.
            woken, self._expired = self._expired, Event()
            woken.set()

    # The schedule (master or single process) -----------------------------------------------

    def begin_step(self, step: int, runner: Runner) -> None:
        self.step = step
        self._rounds_before_step = len(self.rounds)
        runner.send_message(STEP_MESSAGE, {"step": step})
        gevent.spawn(self._round, step, runner)

    def _round(self, step: int, runner: Runner) -> None:
        """Wait until the step's clients hold tokens, then expire them all at once."""
        target = self.require_target()
        gevent.sleep(self.plan.settle)
        # On a busy machine spawning can lag: a client logging in after the moment would hold
        # a fresh token and sit the round out, so wait (bounded) until all of them are in.
        wanted = self.plan.steps[step - 1] if _growing(self.plan.steps) else 0
        waited = 0.0
        while self.armed < wanted and waited < self.plan.round_timeout:
            gevent.sleep(0.05)
            waited += 0.05
        if self.armed < wanted:
            log.warning("step %d: only %d of %d clients logged in", step, self.armed, wanted)
        if target.time_mode == "wait":
            # Every token issued so far, the last logins' included, runs out meanwhile.
            gevent.sleep(target.access_lifetime + target.leeway + 1.0)
        self.expire_everyone(step, runner)

    def expire_everyone(self, step: int, runner: Runner) -> None:
        target = self.require_target()
        epoch = self.epoch + 1
        if target.time_mode == "clock":
            ok, detail = advance_clock(target, target.expiry_step)
        elif target.time_mode == "forge":
            ok, detail = True, "clients swap their access tokens for forged expired copies"
        else:
            ok, detail = True, f"waited out the {target.access_lifetime}s access lifetime"
        clients = max(0, runner.user_count - self.mixed_users)
        at = round(time.monotonic() - self.started, 3)
        users = self.plan.steps[step - 1]
        self.rounds.append(Round(step, users, epoch, at, ok, detail, clients))
        if isinstance(runner, MasterRunner):
            self.epoch = epoch  # the master has no clients of its own to wake
        runner.send_message(EXPIRE_MESSAGE, {"epoch": epoch})
        level = logging.INFO if ok else logging.ERROR
        log.log(level, "step %d (%d users): every access token expired (%s)", step, users, detail)

    def round_over(self) -> bool:
        """True once the latest round's clients have all finished, or it ran out of time."""
        if len(self.rounds) == self._rounds_before_step:
            return False  # the expiry moment of this step has not come yet
        current = self.rounds[-1]
        current.finished = self.finished[current.epoch]
        elapsed = time.monotonic() - self.started - current.at
        if current.finished >= current.clients:
            if current.seconds is None:
                current.seconds = round(elapsed, 3)
            return True
        if elapsed > self.plan.round_timeout:
            current.seconds, current.timed_out = round(elapsed, 3), True
            log.warning(
                "step %d: only %d of %d clients finished within %gs; moving on",
                current.step,
                current.finished,
                current.clients,
                self.plan.round_timeout,
            )
            return True
        return False


def _growing(steps: tuple[int, ...]) -> bool:
    return all(b >= a for a, b in pairwise(steps))


def advance_clock(target: LoadTarget, seconds: int) -> tuple[bool, str]:
    """POST {"advance": seconds} to the target's clock hook; (ok, what happened)."""
    request = urllib.request.Request(
        target.base_url + target.clock_path,
        data=json.dumps({"advance": seconds}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return False, f"{target.clock_path} answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return False, f"{target.clock_path}: {exc}"
    return True, f"test clock advanced {seconds}s (now {body.get('now')})"


STATE = RunState()


class SteppedExpiry(LoadTestShape):
    """Moves to the next step once the current step's round is over; ends after the last."""

    _index = -1  # the current step; -1 before the first

    def tick(self) -> tuple[int, float] | None:
        plan, runner = STATE.plan, self.runner
        if runner is None or isinstance(runner, WorkerRunner):
            return None
        if self._index < 0 or STATE.round_over():
            self._index += 1
            if self._index >= len(plan.steps):
                return None
            STATE.begin_step(self._index + 1, runner)
        return plan.steps[self._index] + STATE.mixed_users, plan.spawn_rate
