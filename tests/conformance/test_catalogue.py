"""The catalogue itself: enough cases, unique and stable IDs, every case fully declared."""

from __future__ import annotations

from pathlib import Path

from conformance.catalogue import CATALOGUE, FAMILIES
from conformance.catalogue.case import ID_PATTERN, NEEDS
from conformance.outcomes import Level

CASE_IDS_FILE = Path(__file__).with_name("case_ids.txt")


def test_at_least_80_cases() -> None:
    assert len(CATALOGUE) >= 80


def test_ids_are_unique() -> None:
    ids = [case.id for case in CATALOGUE]
    assert len(ids) == len(set(ids))


def test_ids_are_stable() -> None:
    # IDs are referenced by expected-failures files and CI dashboards: renaming, removing or
    # reordering one must be a deliberate edit of case_ids.txt, never a side effect.
    listed = [
        line.strip()
        for line in CASE_IDS_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert [case.id for case in CATALOGUE] == listed


def test_every_case_is_fully_declared() -> None:
    for case in CATALOGUE:
        assert ID_PATTERN.match(case.id), case.id
        assert case.title and case.sends and case.requirement and case.spec, case.id
        assert isinstance(case.level, Level), case.id
        assert all(need in NEEDS for need in case.needs), case.id


def test_every_issue_family_is_present() -> None:
    keys = {family.key for family in FAMILIES}
    wanted = {
        "login", "bearer", "jwt-signature", "jwt-claims", "type", "refresh", "lifetime",
        "logout", "rotation", "concurrency", "rate-limit", "cookie", "persistence",
        "robustness",
    }  # fmt: skip
    assert wanted <= keys
    assert all(family.cases for family in FAMILIES)


def test_families_keep_their_prefix() -> None:
    for family in FAMILIES:
        prefixes = {case.id.split("-")[0] for case in family.cases}
        assert len(prefixes) == 1, (family.key, prefixes)


def test_cases_cite_sources() -> None:
    sources = ("RFC", "seed design", "issue", "docs/", "Fetch", "OWASP")
    for case in CATALOGUE:
        assert any(source in case.spec for source in sources), (case.id, case.spec)
