"""The facts every report states about one case, in one order: requirement, spec and level,
what it sends, expected/actual (or the detail) and, for a deviation, a curl to reproduce it."""

from __future__ import annotations

from conformance.catalogue.case import Case
from conformance.exchange import Redact
from conformance.runner import CaseResult

__all__ = ["case_facts", "quoted"]


def quoted(case: Case) -> str:
    """The normative sentence with its source and level: “…” (RFC 6750 §3.1, MUST)."""
    source = f"({case.spec}, {case.level.value})"
    return f"\u201c{case.quote}\u201d {source}" if case.quote else source


def case_facts(
    result: CaseResult, redact: Redact, *, curl_limit: int | None = None
) -> list[tuple[str, str]]:
    """(label, text) pairs, secrets shortened by `redact`; with `curl_limit`, the last
    exchange as a curl command cut to that many characters (the HTML page shows every exchange
    itself instead)."""
    case = result.case
    facts = [
        ("requirement", case.requirement),
        ("spec", f"{case.spec} ({case.level.value})"),
        *([("quote", quoted(case))] if case.quote else []),
        ("sends", case.sends),
    ]
    if result.cause:
        facts.append(("cause", result.cause))
    if result.expected:
        facts += [("expected", redact(result.expected)), ("actual", redact(result.actual))]
    elif result.detail:
        facts.append(("detail", redact(result.detail)))
    if curl_limit is not None and result.exchanges:
        facts.append(("reproduce", result.exchanges[-1].curl(redact)[:curl_limit]))
    return facts
