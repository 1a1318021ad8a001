"""`python -m e2e`: run the client catalogue against a single-page app in real Chromium.

Exit status as the server suite's: 0 when nothing fails (NON-STRICT fails only with --strict),
1 on failures (or stale expected failures), 2 on usage errors or an app/API that never came up.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance.expected import (
    ExpectedFailuresError,
    apply_expected_failures,
    load_expected_failures,
    mark_expected,
)
from conformance.outcomes import HarnessError
from conformance.redaction import Redactor
from conformance.reports import write_all
from conformance.reports.console import ConsoleReporter
from conformance.runner import CaseResult
from e2e.catalogue import client_case_ids, select_client_cases
from e2e.profile import ClientProfile, ProfileError, load_client_profile
from e2e.runner import ClientRun, ClientUnreachable, run_client_suite

__all__ = ["DEFAULT_PROFILE", "main"]

USAGE_ERROR = 2
DEFAULT_PROFILE = Path(__file__).resolve().parent / "profiles" / "frontend-queue.toml"


PROG = "python -m e2e"


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Check a single-page app's dual-token refresh in real Chromium, case by "
        "case, against the embedded reference server with faults on /refresh.",
    )
    parser.add_argument(
        "--client-profile",
        metavar="FILE",
        type=Path,
        default=None,
        help="client profile (TOML); default: our frontend, queue scheme",
    )
    parser.add_argument(
        "--select",
        metavar="ID-PREFIX",
        nargs="+",
        action="extend",
        default=[],
        help="run only cases whose ID starts with one of these prefixes",
    )
    parser.add_argument("--strict", action="store_true", help="NON-STRICT verdicts fail the run")
    parser.add_argument("--dry-run", action="store_true", help="list the cases without running")
    parser.add_argument(
        "--report-dir",
        metavar="DIR",
        type=Path,
        help="write conformance.{json,xml,html}, measurements.json and, per failing case, "
        "a screenshot and a Playwright trace into DIR",
    )
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        help="keep tokens and the password whole in the reports (local debugging only)",
    )
    parser.add_argument(
        "--expected-failures",
        metavar="FILE",
        type=Path,
        help="case IDs (one per line) whose deviation does not fail the run",
    )
    return parser


def _fail(message: str) -> int:
    print(message if message.startswith("profile error") else f"error: {message}", file=sys.stderr)
    return USAGE_ERROR


def dry_run(profile: ClientProfile, prefixes: Sequence[str]) -> int:
    cases = select_client_cases(prefixes)
    for client_case in cases:
        reason = client_case.applies(profile)
        note = f"  (would skip: {reason})" if reason else ""
        case = client_case.case
        print(f"{case.id:<28} {case.level.value:<6} {case.title}{note}")
    print(f"\n{len(cases)} cases selected")
    return 0


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None, *, prog: str = PROG) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    # A SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the API and the app are stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    args = build_parser(prog).parse_args(argv)
    try:
        profile = load_client_profile(args.client_profile or DEFAULT_PROFILE)
    except ProfileError as exc:
        return _fail(str(exc))
    cases = select_client_cases(args.select)
    if not cases:
        return _fail(f"--select {' '.join(args.select)}: no case ID starts with that")
    expected: dict[str, str] = {}
    if args.expected_failures is not None:
        try:
            expected = load_expected_failures(args.expected_failures, client_case_ids())
        except ExpectedFailuresError as exc:
            return _fail(str(exc))
    if args.dry_run:
        return dry_run(profile, args.select)

    print(f"dualtoken client suite: {profile.app.name} ({profile.source})")
    redactor = Redactor(show=args.show_secrets)
    redactor.secret(profile.login.password, "password")
    reporter = ConsoleReporter(strict=args.strict, redact=redactor)

    def case_done(result: CaseResult) -> None:
        mark_expected(result, expected)
        reporter.case_done(result)

    run = ClientRun()
    artifacts = args.report_dir / "cases" if args.report_dir else None
    try:
        suite = run_client_suite(
            profile,
            cases=cases,
            artifacts=artifacts,
            strict=args.strict,
            on_result=case_done,
            run=run,
            redactor=redactor,
        )
    except ClientUnreachable as exc:
        return _fail(str(exc))
    except HarnessError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    apply_expected_failures(suite, expected)
    reporter.finish(suite)
    for name, value in sorted(run.measurements.items()):
        print(f"measured {name}: {value}")
    if args.report_dir is not None:
        try:
            for path in write_all(suite, args.report_dir):
                print(f"wrote {path}")
            measured = args.report_dir / "measurements.json"
            measured.write_text(json.dumps(run.measurements, indent=2, sort_keys=True) + "\n")
        except OSError as exc:
            return _fail(f"cannot write a report: {exc}")
    return suite.exit_code
