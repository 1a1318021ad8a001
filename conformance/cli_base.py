"""What the server suite's command line (`python -m conformance`) and the client suite's
(`python -m e2e`) share, so that their options, exit statuses and messages cannot drift apart:

- the options both take (--select, --strict, --dry-run, --report-dir, --show-secrets,
  --expected-failures), with the same meaning;
- exit statuses: 0 when nothing fails (NON-STRICT only with --strict), 1 on failures or stale
  expected failures, 2 on a usage error or a target that never came up, 130 when interrupted;
- running a suite with each verdict printed as it comes, expected failures applied, the summary.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from conformance.expected import (
    ExpectedFailuresError,
    apply_expected_failures,
    load_expected_failures,
    mark_expected,
)
from conformance.outcomes import HarnessError
from conformance.redaction import Redactor
from conformance.reports.console import ConsoleReporter
from conformance.runner import CaseResult, SuiteResult

__all__ = [
    "INTERRUPTED",
    "USAGE_ERROR",
    "UsageError",
    "add_suite_options",
    "expected_failures",
    "fail",
    "run_and_report",
]

USAGE_ERROR = 2
INTERRUPTED = 130

#: run(on_result) -> the suite's result; on_result is called with each case's as it is decided.
SuiteRun = Callable[[Callable[[CaseResult], None]], SuiteResult]


class UsageError(Exception):
    """Something the user gave cannot be used: printed as one line, exit status 2."""


def fail(message: str) -> int:
    """Print a usage error (a profile error as it is, anything else after "error: ")."""
    print(message if message.startswith("profile error") else f"error: {message}", file=sys.stderr)
    return USAGE_ERROR


def add_suite_options(
    parser: argparse.ArgumentParser, *, report_dir_help: str, show_secrets_help: str
) -> None:
    parser.add_argument(
        "--select",
        metavar="ID-PREFIX",
        nargs="+",
        action="extend",
        default=[],
        help="run only cases whose ID starts with one of these prefixes",
    )
    parser.add_argument("--strict", action="store_true", help="NON-STRICT verdicts fail the run")
    parser.add_argument(
        "--dry-run", action="store_true", help="list the selected cases without running them"
    )
    parser.add_argument("--report-dir", metavar="DIR", type=Path, help=report_dir_help)
    parser.add_argument("--show-secrets", action="store_true", help=show_secrets_help)
    parser.add_argument(
        "--expected-failures",
        metavar="FILE",
        type=Path,
        help="case IDs (one per line) whose deviation does not fail the run",
    )


def expected_failures(path: Path | None, known_ids: Iterable[str]) -> dict[str, str]:
    """The --expected-failures file's IDs and reasons ({} without one); a bad file or an ID the
    catalogue does not know is a UsageError."""
    if path is None:
        return {}
    try:
        return load_expected_failures(path, known_ids)
    except ExpectedFailuresError as exc:
        raise UsageError(str(exc)) from None


def run_and_report(
    run: SuiteRun,
    *,
    strict: bool,
    redactor: Redactor,
    expected: dict[str, str],
    hints: Mapping[type[HarnessError], str] | None = None,
) -> SuiteResult | int:
    """Run the suite, printing each verdict as it comes and the summary at the end: the result,
    or the exit status when the suite could not run (a HarnessError, with the hint given for its
    type on a line of its own: 2; Ctrl-C: 130)."""
    reporter = ConsoleReporter(strict=strict, redact=redactor)

    def case_done(result: CaseResult) -> None:
        mark_expected(result, expected)
        reporter.case_done(result)

    try:
        suite = run(case_done)
    except HarnessError as exc:
        hint = next((text for kind, text in (hints or {}).items() if isinstance(exc, kind)), "")
        return fail(f"{exc}\n{hint}" if hint else str(exc))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return INTERRUPTED
    apply_expected_failures(suite, expected)
    reporter.finish(suite)
    return suite
