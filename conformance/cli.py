"""`python -m conformance`: run the catalogue against a target profile and report.

Exit status: 0 when nothing fails (NON-STRICT fails only with --strict), 1 on failures
(or stale expected failures), 2 on usage errors or an unreachable target.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance.catalogue import CATALOGUE
from conformance.catalogue.case import Case, skip_reason
from conformance.cli_base import (
    UsageError,
    add_suite_options,
    expected_failures,
    fail,
    run_and_report,
)
from conformance.profile import Profile, ProfileError, default_profile_path, load_profile
from conformance.redaction import Redactor
from conformance.reports import write_all, write_html, write_json, write_junit
from conformance.runner import (
    SuiteResult,
    TargetUnreachable,
    run_suite_async,
    select_cases,
)

__all__ = ["main"]

PROG = "python -m conformance"


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Check a dual-token (JWT access + refresh) server against the conformance "
        "catalogue, case by case, with spec references.",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        type=Path,
        default=None,
        help="target profile (TOML); default: the embedded reference server",
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="send requests to this URL instead of the profile's"
    )
    parser.add_argument("--json", metavar="OUT", type=Path, help="write the JSON report here")
    parser.add_argument("--junit", metavar="OUT", type=Path, help="write JUnit XML here")
    parser.add_argument("--html", metavar="OUT", type=Path, help="write the HTML report here")
    add_suite_options(
        parser,
        report_dir_help="write conformance.json, conformance.xml and conformance.html into DIR",
        show_secrets_help="show tokens, the password and the signing secret in full in the "
        "console and the reports (for local debugging; reports are otherwise safe to publish as "
        "CI artifacts)",
    )
    return parser


def _profile(args: argparse.Namespace) -> Profile:
    profile = load_profile(args.profile or default_profile_path())
    if args.base_url:
        if not args.base_url.startswith(("http://", "https://")):
            raise ProfileError(
                f"--base-url: expected an http:// or https:// URL, got {args.base_url!r}"
            )
        profile = profile.with_base_url(args.base_url)
        if profile.time.mode == "freeze":
            raise ProfileError(
                "profile error: [time] mode: 'freeze' moves time only in-process; with --base-url "
                "use a profile whose mode is clock, forge or wait (for the reference server: "
                "conformance/profiles/reference-http.toml)"
            )
    return profile


def dry_run(profile: Profile, cases: Sequence[Case]) -> int:
    for case in cases:
        reason = skip_reason(profile, case.needs)
        note = f"  (would skip: {reason})" if reason else ""
        print(f"{case.id:<24} {case.level.value:<6} {case.title}{note}")
    print(f"\n{len(cases)} cases selected")
    return 0


def _write_reports(suite: SuiteResult, args: argparse.Namespace) -> None:
    for path, writer in (
        (args.json, write_json),
        (args.junit, write_junit),
        (args.html, write_html),
    ):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            writer(suite, path)
    if args.report_dir is not None:
        for path in write_all(suite, args.report_dir):
            print(f"wrote {path}")


def main(argv: Sequence[str] | None = None, *, prog: str = PROG) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    args = build_parser(prog).parse_args(argv)
    try:
        profile = _profile(args)
        cases = select_cases(args.select)
        if not cases:
            raise UsageError(f"--select {' '.join(args.select)}: no case ID starts with that")
        expected = expected_failures(args.expected_failures, (c.id for c in CATALOGUE))
    except (ProfileError, UsageError) as exc:
        return fail(str(exc))
    if args.dry_run:
        return dry_run(profile, cases)

    where = profile.target.base_url or f"in-process {profile.target.app}"
    print(f"dualtoken conformance: {profile.target.name} ({where}), time mode {profile.time.mode}")
    redactor = Redactor(show=args.show_secrets)
    suite = run_and_report(
        lambda on_result: asyncio.run(
            run_suite_async(
                profile, cases=cases, strict=args.strict, on_result=on_result, redactor=redactor
            )
        ),
        strict=args.strict,
        redactor=redactor,
        expected=expected,
        hints={TargetUnreachable: "(is the server running? check [target] base_url or --base-url)"},
    )
    if isinstance(suite, int):
        return suite
    try:
        _write_reports(suite, args)
    except OSError as exc:
        return fail(f"cannot write a report: {exc}")
    return suite.exit_code
