"""The facts every report states about one case, in one order: requirement, spec and level,
what it sends, expected/actual (or the detail) and, for a deviation, a curl to reproduce it."""

from __future__ import annotations

from conformance.runner import CaseResult

__all__ = ["case_facts"]


def case_facts(result: CaseResult, *, curl_limit: int | None = None) -> list[tuple[str, str]]:
    """(label, text) pairs; with `curl_limit`, the last exchange as a curl command cut to
    that many characters (the HTML page shows every exchange itself instead)."""
    case = result.case
    facts = [
        ("requirement", case.requirement),
        ("spec", f"{case.spec} ({case.level.value})"),
        ("sends", case.sends),
    ]
    if result.cause:
        facts.append(("cause", result.cause))
    if result.expected:
        facts += [("expected", result.expected), ("actual", result.actual)]
    elif result.detail:
        facts.append(("detail", result.detail))
    if curl_limit is not None and result.exchanges:
        facts.append(("reproduce", result.exchanges[-1].curl()[:curl_limit]))
    return facts
