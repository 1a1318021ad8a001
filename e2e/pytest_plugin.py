"""pytest plugin: `pytest --client-profile FILE` runs the client catalogue, one item per case.

Inert unless --client-profile is given. With it, the collected tests are replaced by the client
cases (select with -k as usual). The suite runs once, at the first item, for all selected cases;
each item then reports its verdict: PASS passes, SKIP skips, FAIL and ERROR fail, NON-STRICT is
an xfail (a failure with --client-strict). --client-report-dir keeps the reports, screenshots and
traces.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.outcomes import HarnessError
from conformance.pytest_base import VerdictItem, use_cases_as_items
from conformance.reports import write_all
from conformance.runner import CaseResult
from e2e.profile import ClientProfile, ProfileError, load_client_profile

if TYPE_CHECKING:
    from e2e.catalogue import ClientCase

# The catalogue and runner import Playwright, which only the e2e extra installs: this plugin is
# registered for every pytest run in an environment with dualtoken, so it imports them only
# once --client-profile asks for the client suite.

RESULTS = pytest.StashKey[dict[str, CaseResult]]()
PROFILE = pytest.StashKey[ClientProfile]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("client", "dual-token client suite (real Chromium)")
    group.addoption(
        "--client-profile",
        metavar="FILE",
        default=None,
        help="run the client catalogue against the single-page app this profile describes",
    )
    group.addoption(
        "--client-strict", action="store_true", help="NON-STRICT verdicts fail instead of xfail"
    )
    group.addoption(
        "--client-report-dir",
        metavar="DIR",
        default=None,
        help="write the JSON/JUnit/HTML reports and failing cases' screenshots and traces here",
    )


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--client-profile")
    if not path:
        return
    try:
        config.stash[PROFILE] = load_client_profile(Path(path))
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None


class ClientCaseItem(VerdictItem):
    strict_option = "--client-strict"
    profile_option = "--client-profile"

    def __init__(self, *, client_case: ClientCase, **kwargs: Any) -> None:
        super().__init__(case=client_case.case, **kwargs)
        self.client_case = client_case

    def result(self) -> CaseResult:
        return _results(self.session)[self.client_case.id]


class ClientSuite(pytest.Collector):
    def collect(self) -> Iterator[ClientCaseItem]:
        from e2e.catalogue import CLIENT_CATALOGUE

        for client_case in CLIENT_CATALOGUE:
            yield ClientCaseItem.from_parent(self, name=client_case.id, client_case=client_case)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if PROFILE in config.stash:
        use_cases_as_items(config, items, ClientSuite.from_parent(session, name="client").collect())


def _results(session: pytest.Session) -> dict[str, CaseResult]:
    config = session.config
    if RESULTS not in config.stash:
        from e2e.runner import run_client_suite

        selected = [i.client_case for i in session.items if isinstance(i, ClientCaseItem)]
        report_dir = config.getoption("--client-report-dir")
        artifacts = Path(report_dir) / "cases" if report_dir else None
        try:
            suite = run_client_suite(config.stash[PROFILE], cases=selected, artifacts=artifacts)
        except HarnessError as exc:  # the app or the API never came up (ClientUnreachable)
            pytest.exit(str(exc), returncode=2)
        if report_dir:
            write_all(suite, report_dir)
        config.stash[RESULTS] = suite.by_id()
    return config.stash[RESULTS]
