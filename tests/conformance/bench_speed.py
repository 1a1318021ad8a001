"""How fast a full conformance run is against the reference server over real HTTP.

    python -m tests.conformance.bench_speed [--runs N]

Starts `python -m reference_server` (test clock on) on a free 127.0.0.1 port, runs the whole
catalogue with profiles/reference-http.toml N times, and prints cases/s. The goal is a full HTTP
run in 10 s or less on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

from conformance.outcomes import Outcome
from conformance.profile import default_profile_path, load_profile
from conformance.runner import run_suite
from tests.servers import reference_server

GOAL_SECONDS = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.conformance.bench_speed")
    parser.add_argument("--runs", type=int, default=3, help="full runs to time (default 3)")
    args = parser.parse_args()
    profile = load_profile(default_profile_path().parent / "reference-http.toml")
    durations: list[float] = []
    with reference_server({"DUALTOKEN_TEST_CLOCK": "1"}) as server:
        target = profile.with_base_url(server.base_url)
        for number in range(1, args.runs + 1):
            started = time.perf_counter()
            suite = run_suite(target)
            elapsed = time.perf_counter() - started
            durations.append(elapsed)
            counts = suite.counts()
            ran = len(suite.results) - counts[Outcome.SKIP]
            print(
                f"run {number}: {len(suite.results)} cases ({ran} ran, {counts[Outcome.SKIP]} "
                f"skipped, {counts[Outcome.FAIL]} failed, {counts[Outcome.ERROR]} errors) in "
                f"{elapsed:.2f} s = {len(suite.results) / elapsed:.0f} cases/s"
            )
    median = statistics.median(durations)
    verdict = "within" if median <= GOAL_SECONDS else "OVER"
    print(
        f"median {median:.2f} s per full HTTP run, {len(suite.results) / median:.0f} cases/s "
        f"({verdict} the {GOAL_SECONDS:g} s goal)"
    )
    return 0 if median <= GOAL_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
