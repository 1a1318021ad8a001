"""The client catalogue: stable IDs, and a source, a level and a quote for every case."""

from __future__ import annotations

from pathlib import Path

from conformance.outcomes import Level
from e2e.catalogue import CLIENT_CATALOGUE, client_case_ids, select_client_cases

IDS_FILE = Path(__file__).with_name("case_ids.txt")


def test_case_ids_are_stable() -> None:
    """Removing or renaming a case breaks teams' expected-failures files: do it on purpose."""
    assert client_case_ids() == IDS_FILE.read_text().split()


def test_ids_are_unique_and_every_case_is_graded() -> None:
    ids = client_case_ids()
    assert len(ids) == len(set(ids))
    for client_case in CLIENT_CATALOGUE:
        case = client_case.case
        assert case.spec and case.quote and case.requirement and case.sends, case.id
        assert case.level in (Level.MUST, Level.SHOULD)


def test_the_issue_s_should_cases_are_graded_should() -> None:
    levels = {c.id: c.case.level for c in CLIENT_CATALOGUE}
    assert levels["CLIENT-TABS-01"] is Level.SHOULD
    assert levels["CLIENT-COOKIE-01"] is Level.SHOULD
    assert levels["CLIENT-REFRESH-ONCE-01"] is Level.MUST


def test_selection_by_prefix_is_case_insensitive() -> None:
    chosen = [c.id for c in select_client_cases(["client-refresh-fail"])]
    assert chosen == [
        "CLIENT-REFRESH-FAIL-01",
        "CLIENT-REFRESH-FAIL-02",
        "CLIENT-REFRESH-FAIL-03",
        "CLIENT-REFRESH-FAIL-04",
    ]
