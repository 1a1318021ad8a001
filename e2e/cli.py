"""`python -m e2e`: run the client catalogue against a single-page app in real Chromium.

Options, exit statuses and messages are the server suite's (`conformance/cli_base.py`): 0 when
nothing fails (NON-STRICT fails only with --strict), 1 on failures (or stale expected failures),
2 on usage errors or an app/API that never came up.

The catalogue and the runner need Playwright (the `e2e` extra): they are imported only once the
profile is known, so an install without the extra still gets --help and a clear message naming
both what is missing and how to install it, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.cli_base import (
    UsageError,
    add_suite_options,
    expected_failures,
    fail,
    run_and_report,
)
from conformance.redaction import Redactor
from conformance.reports import write_all
from e2e.profile import ClientProfile, ProfileError, load_client_profile

if TYPE_CHECKING:
    from e2e.catalogue import ClientCase

__all__ = ["DEFAULT_PROFILE", "main"]

PROG = "python -m e2e"
DEFAULT_PROFILE = Path(__file__).resolve().parent / "profiles" / "frontend-queue.toml"
EXTRA_HINT = "install the client suite's extra: pip install 'dualtoken[e2e]'"


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
        help="client profile (TOML) of your app; default: our frontend, queue scheme, when "
        "run from a checkout where it is built (frontend/dist)",
    )
    add_suite_options(
        parser,
        report_dir_help="write conformance.{json,xml,html}, measurements.json and, per failing "
        "case, a screenshot and a Playwright trace into DIR",
        show_secrets_help="keep tokens and the password whole in the reports (local debugging "
        "only)",
    )
    return parser


def _profile(path: Path | None, prog: str) -> ClientProfile:
    if path is not None:
        return load_client_profile(path)
    try:
        return load_client_profile(DEFAULT_PROFILE)
    except ProfileError as exc:
        # An installed wheel has no frontend/dist (it is built from a checkout with npm): the
        # default target is not there, and the user's own app is what the suite is for.
        raise UsageError(
            "no --client-profile given, and the default target (our frontend) is not usable "
            f"here: {exc.args[0].removeprefix('profile error: ')}. Give your app's profile: "
            f"{prog} --client-profile theirs.toml "
            "(keys: e2e/README.md); in a checkout, build the frontend first (nox -s e2e)"
        ) from None


def _playwright_missing() -> str:
    """Why the client suite cannot run in this install ("" when it can)."""
    if importlib.util.find_spec("playwright") is None:
        return f"this install lacks the module 'playwright'; {EXTRA_HINT}"
    return ""


def dry_run(profile: ClientProfile, cases: Sequence[ClientCase]) -> int:
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
        profile = _profile(args.client_profile, prog)
        missing = _playwright_missing()
        if missing:
            raise UsageError(missing)
        from e2e.catalogue import client_case_ids, select_client_cases

        cases = select_client_cases(args.select)
        if not cases:
            raise UsageError(f"--select {' '.join(args.select)}: no case ID starts with that")
        expected = expected_failures(args.expected_failures, client_case_ids())
    except (ProfileError, UsageError) as exc:
        return fail(str(exc))
    if args.dry_run:
        return dry_run(profile, cases)

    from e2e.runner import ClientRun, run_client_suite

    print(f"dualtoken client suite: {profile.app.name} ({profile.source})")
    redactor = Redactor(show=args.show_secrets)
    redactor.secret(profile.login.password, "password")
    run = ClientRun()
    artifacts = args.report_dir / "cases" if args.report_dir else None
    suite = run_and_report(
        lambda on_result: run_client_suite(
            profile,
            cases=cases,
            artifacts=artifacts,
            strict=args.strict,
            on_result=on_result,
            run=run,
            redactor=redactor,
        ),
        strict=args.strict,
        redactor=redactor,
        expected=expected,
    )
    if isinstance(suite, int):
        return suite
    for name, value in sorted(run.measurements.items()):
        print(f"measured {name}: {value}")
    if args.report_dir is not None:
        try:
            for path in write_all(suite, args.report_dir):
                print(f"wrote {path}")
            measured = args.report_dir / "measurements.json"
            measured.write_text(json.dumps(run.measurements, indent=2, sort_keys=True) + "\n")
        except OSError as exc:
            return fail(f"cannot write a report: {exc}")
    return suite.exit_code
