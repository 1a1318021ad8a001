"""The JSON report: {"summary": {...}, "cases": [...]} with every recorded exchange."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.exchange import Redact
from conformance.outcomes import Outcome
from conformance.runner import CaseResult, SuiteResult

__all__ = ["case_to_json", "suite_to_json", "summary", "write_json"]


def summary(suite: SuiteResult) -> dict[str, Any]:
    counts = suite.counts()
    return {
        "target": suite.profile.target.name,
        "base_url": suite.profile.target.base_url or None,
        "profile": suite.profile.source,
        "time_mode": suite.profile.time.mode,
        "total": len(suite.results),
        "passed": counts[Outcome.PASS],
        "failed": counts[Outcome.FAIL],
        "non_strict": counts[Outcome.NON_STRICT],
        "skipped": counts[Outcome.SKIP],
        "declared": counts[Outcome.DECLARED],
        "errors": counts[Outcome.ERROR],
        "expected_failures": sum(1 for r in suite.results if r.expected_failure),
        "causes": {
            cause: [r.case.id for r in results] for cause, results in suite.by_cause().items()
        },
        "stale_expected_failures": list(suite.stale_expected),
        "strict": suite.strict,
        "duration_s": round(suite.duration_s, 3),
        "sessions_opened": suite.sessions_opened,
        "sessions_logged_out": suite.sessions_logged_out,
        "sessions_expired": suite.sessions_expired,
        "exit_code": suite.exit_code,
    }


def case_to_json(result: CaseResult, redact: Redact) -> dict[str, Any]:
    case = result.case
    return {
        "id": case.id,
        "title": case.title,
        "family": case.family,
        "spec": case.spec,
        "level": case.level.value,
        "quote": case.quote,
        "outcome": result.outcome.value,
        "detail": redact(result.detail),
        "requirement": case.requirement,
        "sends": case.sends,
        "expected": redact(result.expected),
        "actual": redact(result.actual),
        "cause": result.cause,
        "expected_failure": result.expected_failure,
        "duration_ms": round(result.duration_ms, 2),
        "exchanges": [exchange.to_json(redact) for exchange in result.exchanges],
    }


def suite_to_json(suite: SuiteResult) -> dict[str, Any]:
    return {
        "summary": summary(suite),
        "cases": [case_to_json(r, suite.redact) for r in suite.results],
    }


def write_json(suite: SuiteResult, path: str | Path) -> None:
    Path(path).write_text(json.dumps(suite_to_json(suite), indent=2, ensure_ascii=False) + "\n")
