"""The login gate keeps logins in flight to what the target answers without queueing them
(conformance/login_gate.py): against a server that hashes one password at a time it holds few,
against one that hashes many at once it opens up, and a full run against a one-worker server
with a slow login ends without a single ERROR."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from conformance.login_gate import HEADROOM, MAX_LOGINS_IN_FLIGHT, START, LoginGate
from conformance.outcomes import Outcome
from conformance.profile import default_profile_path, load_profile
from conformance.runner import run_suite, select_cases
from tests.targets.slow_login import slow_login_app

DEADLINE = 5.0


async def _logins(gate: LoginGate, count: int, workers: int | None, hash_s: float) -> list[float]:
    """`count` logins at once through the gate to a server with `workers` hashing at once (None:
    no limit); how long each took, once sent."""
    hashing = asyncio.Semaphore(workers or count)

    async def one() -> float:
        async with gate.slot() as ticket:
            started = asyncio.get_running_loop().time()
            async with hashing:
                await asyncio.sleep(hash_s)
            ticket.status = 200
            return asyncio.get_running_loop().time() - started

    return list(await asyncio.gather(*(one() for _ in range(count))))


def test_a_server_that_hashes_one_at_a_time_gets_a_short_queue() -> None:
    """One worker, 0.1 s a login, a 1 s deadline: at most HEADROOM of the deadline queued."""
    gate = LoginGate(deadline=1.0)
    took = asyncio.run(_logins(gate, 30, workers=1, hash_s=0.1))
    assert gate.most_in_flight <= START
    assert max(took) <= HEADROOM * 1.0 + 0.1 + 0.05
    # Without the gate the 30th would have waited 3 s, three deadlines.
    assert sum(took) / len(took) < 0.5


def test_a_server_that_hashes_many_at_once_gets_them_all() -> None:
    gate = LoginGate(deadline=DEADLINE)
    started = time.monotonic()
    asyncio.run(_logins(gate, 200, workers=None, hash_s=0.05))
    assert gate.limit == MAX_LOGINS_IN_FLIGHT
    assert gate.most_in_flight == MAX_LOGINS_IN_FLIGHT
    # 200 logins of 0.05 s in a handful of rounds, not 200 / START of them.
    assert time.monotonic() - started < 200 / START * 0.05


def test_refusals_teach_the_gate_nothing_and_no_answer_halves_it() -> None:
    async def run() -> LoginGate:
        gate = LoginGate(deadline=DEADLINE)
        for _ in range(10):
            async with gate.slot() as ticket:
                ticket.status = 400  # a malformed body, refused without hashing
        assert gate.limit == START
        try:
            async with gate.slot():
                raise TimeoutError
        except TimeoutError:
            pass
        return gate

    assert asyncio.run(run()).limit == START // 2


def test_a_full_run_against_one_worker_with_a_slow_login_has_no_error() -> None:
    """One worker, a 0.15 s login, a 1 s deadline: logins made ahead at full depth (16) would
    queue 2.4 s of hashing and time out; through the gate every case gets its verdict, the same
    as with an instant login."""
    profile = load_profile(default_profile_path())
    profile = replace(profile, target=replace(profile.target, timeout=1.0))
    # The cases that run alongside each other, and their neighbours that take logins ahead.
    cases = select_cases(["LOGIN-", "ROBUST-SIZE", "CONC-LOGIN", "CORS"])
    instant = run_suite(profile, cases=cases)
    app = slow_login_app(delay=0.15, workers=1)
    suite = run_suite(profile, cases=cases, app=app)
    errors = [(r.case.id, r.detail) for r in suite.results if r.outcome is Outcome.ERROR]
    assert errors == []
    assert {r.case.id: r.outcome for r in suite.results} == {
        r.case.id: r.outcome for r in instant.results
    }
    # The most logins at the target at once, hashing or waiting their turn.
    assert app.most_in_flight <= START + 1
