"""pytest plugin: `pytest --target-profile FILE` runs the catalogue with one test item per case.

Inert unless --target-profile is given. With it, the collected tests are replaced by the
conformance cases (so `pytest --target-profile theirs.toml` runs exactly the suite); select with
-k as usual. The suite runs once, at the first item, for all selected cases; each item then
reports its verdict: PASS passes, SKIP skips, FAIL and ERROR fail, NON-STRICT is an xfail
(a failure with --target-strict).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.catalogue import CATALOGUE
from conformance.profile import Profile, ProfileError, load_profile
from conformance.pytest_base import VerdictItem, use_cases_as_items
from conformance.redaction import Redactor
from conformance.runner import CaseResult, TargetUnreachable, run_suite_async

RESULTS = pytest.StashKey[dict[str, CaseResult]]()
PROFILE = pytest.StashKey[Profile]()
REDACTOR = pytest.StashKey[Redactor]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "dual-token conformance suite")
    group.addoption(
        "--target-profile",
        metavar="FILE",
        default=None,
        help="run the conformance catalogue against the target this profile describes",
    )
    group.addoption("--target-base-url", metavar="URL", default=None, help="override base_url")
    group.addoption(
        "--target-strict", action="store_true", help="NON-STRICT verdicts fail instead of xfail"
    )
    group.addoption(
        "--show-secrets",
        action="store_true",
        help="show tokens, the password and the signing secret in full in failure reports",
    )


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--target-profile")
    if not path:
        return
    try:
        profile = load_profile(Path(path))
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None
    base_url = config.getoption("--target-base-url")
    if base_url:
        profile = profile.with_base_url(base_url)
    config.stash[PROFILE] = profile
    config.stash[REDACTOR] = Redactor(show=bool(config.getoption("--show-secrets")))


class CaseItem(VerdictItem):
    strict_option = "--target-strict"
    profile_option = "--target-profile"

    def result(self) -> CaseResult:
        return _results(self.session)[self.case.id]

    def redactor(self) -> Redactor:
        return self.config.stash[REDACTOR]


class Suite(pytest.Collector):
    def collect(self) -> Iterator[CaseItem]:
        for case in CATALOGUE:
            yield CaseItem.from_parent(self, name=case.id, case=case)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if PROFILE in config.stash:
        use_cases_as_items(config, items, Suite.from_parent(session, name="conformance").collect())


def _results(session: pytest.Session) -> dict[str, CaseResult]:
    config = session.config
    if RESULTS not in config.stash:
        selected = [item.case for item in session.items if isinstance(item, CaseItem)]
        try:
            suite = asyncio.run(
                run_suite_async(
                    config.stash[PROFILE], cases=selected, redactor=config.stash[REDACTOR]
                )
            )
        except TargetUnreachable as exc:
            pytest.exit(str(exc), returncode=2)
        config.stash[RESULTS] = suite.by_id()
    return config.stash[RESULTS]
