"""The suite against a real slow login: the django-ninja-jwt preset app with Django's own
password hasher (PBKDF2 with Django's default rounds), which its one process answers one login
at a time (Django runs synchronous views on one thread under ASGI).

    python -m tests.targets.bench_real_hash [--one-by-one]

Prints how long a login takes, then a full run with logins made ahead (the default), and with
`--one-by-one` also one with every case logging in itself. Goal: the verdicts are exactly the
app's checked-in ones (tests/targets/django_ninja_jwt/verdicts.txt, made with a cheap hasher)
and there is no ERROR: the login gate (conformance/login_gate.py) keeps the logins queued at the
target within half the request deadline. The time is shown, not graded: with one login at a
time, no client can be much faster than a login after another. About 2-3 minutes a run.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import httpx

from conformance.outcomes import Outcome
from conformance.profile import load_profile
from conformance.runner import run_suite
from tests.targets.presets import PRESETS, read_verdicts, run_preset, running

PRESET = next(preset for preset in PRESETS if preset.name == "django-ninja-jwt")


def _login_seconds(base_url: str) -> float:
    started = time.perf_counter()
    answer = httpx.post(
        base_url + "/api/token/pair",
        json={"username": "user1", "password": "password123"},
        timeout=30,
    )
    answer.raise_for_status()
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.targets.bench_real_hash")
    parser.add_argument("--one-by-one", action="store_true", help="also run without logins ahead")
    args = parser.parse_args(argv)
    expected = read_verdicts(PRESET.verdicts_file)
    os.environ["DJANGO_DEFAULT_HASHER"] = "1"
    secret = secrets.token_urlsafe(36)
    clean = True
    with running(PRESET, secret) as base_url, tempfile.TemporaryDirectory() as work:
        print(f"one login: {_login_seconds(base_url):.2f} s (Django's default hasher)", flush=True)
        started = time.perf_counter()
        ahead = run_preset(PRESET, base_url, secret, Path(work))
        took = time.perf_counter() - started
        clean &= _report("logged in ahead", took, ahead.verdicts, expected)
        if args.one_by_one:
            # The same profile the preset run wrote (its hooks reach the app's database).
            os.environ[PRESET.secret_env] = secret
            profile = load_profile(Path(work) / PRESET.profile.name).with_base_url(base_url)
            started = time.perf_counter()
            suite = run_suite(profile, log_in_ahead=False)
            took = time.perf_counter() - started
            verdicts = {r.case.id: r.outcome.value for r in suite.results}
            clean &= _report("every case logging in itself", took, verdicts, expected)
    return 0 if clean else 1


def _report(label: str, took: float, verdicts: dict[str, str], expected: dict[str, str]) -> bool:
    errors = sorted(case for case, outcome in verdicts.items() if outcome == Outcome.ERROR.value)
    differ = {
        case: f"{expected.get(case)} -> {outcome}"
        for case, outcome in verdicts.items()
        if expected.get(case) != outcome
    }
    one, five, _ = os.getloadavg()
    print(
        f"{label}: {len(verdicts)} cases in {took:.1f} s; {len(errors)} errors; "
        f"{len(differ)} verdicts differ from verdicts.txt {differ or ''} "
        f"(load average {one:.1f}, {five:.1f})",
        flush=True,
    )
    return not errors and not differ


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
