"""The catalogue itself: enough cases, unique and stable IDs, every case fully declared."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.catalogue import CATALOGUE, FAMILIES
from conformance.catalogue.case import ID_PATTERN, NEEDS, quote_level
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


# Cases whose quoted sentence holds no BCP 14 keyword and that stay SHOULD: no text makes them a
# requirement, so a deviation is advice (NON-STRICT), never a FAIL.
ADVISORY = {
    "JWT-TIME-06": "RFC 7519 §4.1.6 only defines iat; refusing a future one is the suite's advice",
    "REFRESH-OK-03": "RFC 6749 §6 says an access token is issued, not that it differs",
    "LIFETIME-RANGE-01": "the seed gives its lifetimes as examples (如 15 分钟, 如 7 天)",
    "COOKIE-ATTR-04": "ASVS 3.4.5 asks for a precise Path only when other apps share the domain",
    "COOKIE-ATTR-05": "RFC 6265 §4.1.2.2 defines Max-Age; matching the token's life is advice",
    "COOKIE-LOGOUT-01": "RFC 6265 §3.1 shows how to remove a cookie; logout revokes the token",
    "USER-DISABLED-04": "the seed has a disabled flag but says nothing of re-enabling",
}


def test_every_case_quotes_its_sentence() -> None:
    empty = [case.id for case in CATALOGUE if not case.quote.strip()]
    assert empty == []


def test_level_is_the_quoted_sentence_keyword() -> None:
    wrong = {
        case.id: (case.level.value, quote_level(case.quote))
        for case in CATALOGUE
        if case.id not in ADVISORY and quote_level(case.quote) is not case.level
    }
    assert wrong == {}
    # An advisory case really has no keyword that would bind it.
    for case_id in ADVISORY:
        case = next(case for case in CATALOGUE if case.id == case_id)
        assert case.level is Level.SHOULD, case_id
        assert not re.search(r"\b(MUST|SHALL|REQUIRED|SHOULD|RECOMMENDED)\b", case.quote), case_id


def test_seed_quotes_name_their_section() -> None:
    for case in CATALOGUE:
        if "seed design" in case.quote:
            assert case.quote.startswith("seed design §"), case.id
            assert "seed design" in case.spec, case.id


def test_quote_level_reads_bcp14_keywords() -> None:
    assert quote_level("The client MUST NOT do it.") is Level.MUST
    assert quote_level("It is RECOMMENDED.") is Level.SHOULD
    assert quote_level("servers SHOULD NOT") is Level.SHOULD
    assert quote_level('seed design §注意事项 2: "the backend should limit"') is Level.SHOULD
    assert quote_level("The 400 (Bad Request) status code indicates …") is Level.MUST
    assert quote_level("MUST support refresh and SHOULD support access") is None
