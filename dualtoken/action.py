"""What the GitHub Action (action.yml at the repository root) runs: `python -m dualtoken.action`.

It reads the action's inputs from DUALTOKEN_* environment variables (action.yml maps each
`inputs.x` to one), runs the conformance suite with them, writes the HTML, JUnit and JSON reports
into the report folder the next step uploads, appends a verdict table to the job summary
($GITHUB_STEP_SUMMARY) and sets step outputs ($GITHUB_OUTPUT). Its exit status is the suite's.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from conformance.cli import main as conformance_main

__all__ = ["INPUTS", "conformance_argv", "main"]

USAGE_ERROR = 2

# action.yml input -> the environment variable it arrives in.
INPUTS = {
    "profile": "DUALTOKEN_PROFILE",
    "expected-failures": "DUALTOKEN_EXPECTED_FAILURES",
    "base-url": "DUALTOKEN_BASE_URL",
    "report-dir": "DUALTOKEN_REPORT_DIR",
    "strict": "DUALTOKEN_STRICT",
    "select": "DUALTOKEN_SELECT",
    "args": "DUALTOKEN_ARGS",
}

SUMMARY_KEYS = ("total", "passed", "failed", "non_strict", "skipped", "errors", "expected_failures")


class InputError(ValueError):
    """An action input that cannot be used; the message names the input."""


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(INPUTS[name], "").strip().lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise InputError(f"input {name}: expected true or false, got {value!r}")


def conformance_argv(env: Mapping[str, str]) -> tuple[list[str], Path]:
    """The `dualtoken conformance` arguments for these inputs, and the report folder."""
    report_dir = Path(env.get(INPUTS["report-dir"], "") or "dualtoken-reports")
    argv = ["--report-dir", str(report_dir)]
    profile = env.get(INPUTS["profile"], "").strip()
    if profile:
        if not Path(profile).is_file():
            raise InputError(f"input profile: no file {profile!r} (relative to the workspace)")
        argv += ["--profile", profile]
    expected = env.get(INPUTS["expected-failures"], "").strip()
    if expected:
        if not Path(expected).is_file():
            raise InputError(f"input expected-failures: no file {expected!r}")
        argv += ["--expected-failures", expected]
    base_url = env.get(INPUTS["base-url"], "").strip()
    if base_url:
        argv += ["--base-url", base_url]
    select = env.get(INPUTS["select"], "").split()
    if select:
        argv += ["--select", *select]
    if _flag(env, "strict"):
        argv.append("--strict")
    argv += shlex.split(env.get(INPUTS["args"], ""))
    return argv, report_dir


def _summary_table(report: dict[str, object]) -> str:
    summary = report.get("summary")
    if not isinstance(summary, dict):
        return ""
    head = "| " + " | ".join(SUMMARY_KEYS) + " |"
    rule = "|" + "---:|" * len(SUMMARY_KEYS)
    row = "| " + " | ".join(str(summary.get(key, "")) for key in SUMMARY_KEYS) + " |"
    lines = [f"### dualtoken conformance: {summary.get('target', '')}", "", head, rule, row]
    cases = report.get("cases")
    failing = [
        c
        for c in (cases if isinstance(cases, list) else [])
        if isinstance(c, dict)
        and c.get("outcome") in ("FAIL", "ERROR")
        and not c.get("expected_failure")
    ]
    if failing:
        lines += ["", "| case | verdict | detail |", "|---|---|---|"]
        lines += [
            f"| {c['id']} | {c['outcome']} | {str(c.get('detail', '')).splitlines()[0][:200]} |"
            if c.get("detail")
            else f"| {c['id']} | {c['outcome']} | |"
            for c in failing
        ]
    return "\n".join(lines) + "\n"


def _append(path_variable: str, text: str, env: Mapping[str, str]) -> None:
    target = env.get(path_variable, "")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)


def main(env: Mapping[str, str] | None = None) -> int:
    environment = os.environ if env is None else env
    try:
        argv, report_dir = conformance_argv(environment)
    except InputError as exc:
        print(f"dualtoken action: {exc}", file=sys.stderr)
        return USAGE_ERROR
    print("dualtoken conformance " + shlex.join(argv), flush=True)
    exit_code = conformance_main(argv)
    outputs = [f"exit-code={exit_code}", f"report-dir={report_dir}"]
    report_file = report_dir / "conformance.json"
    if report_file.is_file():
        report = json.loads(report_file.read_text(encoding="utf-8"))
        summary = report.get("summary", {})
        outputs += [f"{key.replace('_', '-')}={summary.get(key, 0)}" for key in SUMMARY_KEYS]
        _append("GITHUB_STEP_SUMMARY", _summary_table(report), environment)
    _append("GITHUB_OUTPUT", "".join(line + "\n" for line in outputs), environment)
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
