"""Run the catalogue against one mutant in-process; verdicts come back as plain data, so that
runs can go to worker processes (tests/conformance/test_mutants.py runs two at a time).

    python -m tests.conformance.mutants.run [NAME ...]     # print each mutant's deviations
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from conformance.catalogue import Case
from conformance.outcomes import Outcome
from conformance.runner import SuiteResult, run_suite
from tests.conformance.mutants import BY_NAME, CONTROLS, MUTANTS
from tests.conformance.mutants.profiles import settings_for
from tests.targets.slow_login import SlowLogin

# case ID -> (outcome, detail)
Verdicts = dict[str, tuple[str, str]]

DEVIATIONS = (Outcome.FAIL, Outcome.NON_STRICT, Outcome.ERROR)


def run_mutant(name: str, tmp: str) -> Verdicts:
    """Run `name`'s cases against it; `tmp` is an empty folder for its files (a SQLite store)."""
    # The dev-mode warning is meant for people starting a server, not for a hundred test runs.
    logging.getLogger("reference_server").setLevel(logging.ERROR)
    mutant = BY_NAME[name]
    profile = mutant.profile(Path(tmp))
    settings = settings_for(profile)
    # The in-process worker pool (mutants/workers.py) sends a request to a worker by how many
    # others are in flight, and each worker keeps its own users: logins made ahead in the
    # background would move a disable/enable hook to another worker than the logins it is meant
    # for. (A real multi-worker server shares its users, so this is the model's limit, not one
    # a target would show.)
    suite = run_suite(
        profile,
        cases=mutant.cases(),
        app_factory=lambda: mutant.app(settings),
        log_in_ahead=profile.capabilities.workers <= 1,
    )
    return {r.case.id: (r.outcome.value, r.detail) for r in suite.results}


def run_behind_slow_login(
    name: str, tmp: Path, wanted: Callable[[Case], bool], login_s: float
) -> SuiteResult:
    """The cases of `name` that `wanted` keeps, in-process with logins made ahead, behind a
    login that takes `login_s` (tests/targets/slow_login): what tests of the ways a slow login
    changes the run compare with the mutant's sequential verdicts."""
    mutant = BY_NAME[name]
    profile = mutant.profile(tmp)
    settings = settings_for(profile)
    return run_suite(
        profile,
        cases=[case for case in mutant.cases() if wanted(case)],
        app_factory=lambda: SlowLogin(mutant.app(settings), delay=login_s),
    )


def deviations(suite: SuiteResult) -> dict[str, str]:
    """Case ID -> "OUTCOME: detail" for every case that deviated (FAIL, NON-STRICT, ERROR)."""
    return {
        result.case.id: f"{result.outcome.value}: {result.detail}"
        for result in suite.results
        if result.outcome in DEVIATIONS
    }


def main(names: list[str]) -> int:
    for mutant in (*MUTANTS, *CONTROLS):
        if names and mutant.name not in names:
            continue
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            verdicts = run_mutant(mutant.name, tmp)
        bad = sorted(
            case for case, (outcome, _) in verdicts.items() if Outcome(outcome) in DEVIATIONS
        )
        print(f"{mutant.name} ({time.perf_counter() - started:.1f} s): {' '.join(bad) or '-'}")
        for case in bad:
            outcome, detail = verdicts[case]
            print(f"    {case} {outcome}: {detail[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
