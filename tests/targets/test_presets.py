"""Each preset, run over real HTTP at a minimal app built from its library's own docs.

The exact verdict of every case is checked in (`tests/targets/<app>/verdicts.txt`, regenerated
by `python -m tests.targets.presets`), and the preset's expected-failures file must list exactly
the cases that FAIL there, so the run passes with it and no entry is stale.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from conformance.catalogue import CATALOGUE
from conformance.expected import load_expected_failures
from tests.targets.presets import (
    PRESETS,
    Preset,
    install_node_packages,
    read_verdicts,
    readme_row,
    run_preset,
    running,
)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_the_preset_gets_exactly_its_checked_in_verdicts(preset: Preset, tmp_path: Path) -> None:
    if preset.needs_node:
        problem = install_node_packages()
        if problem.endswith("package-lock.json is missing"):
            pytest.skip(problem)  # tests/targets/node/ (express, jsonwebtoken) is not here yet
        assert not problem, problem
    secret = secrets.token_urlsafe(36)
    with running(preset, secret) as base_url:
        run = run_preset(preset, base_url, secret, tmp_path)
    expected = read_verdicts(preset.verdicts_file)
    moved = {
        case_id: f"{expected.get(case_id, '(none)')} -> {outcome}"
        for case_id, outcome in run.verdicts.items()
        if expected.get(case_id) != outcome
    }
    gone = sorted(set(expected) - set(run.verdicts))
    assert not moved and not gone, (
        f"verdicts moved: {moved}; cases gone: {gone}\n"
        "(read each as the library's user would; if right: python -m tests.targets.presets "
        f"{preset.name})\n{run.console[-3000:]}"
    )
    # The run fails only for what the suite could not decide (an ERROR is the suite's to fix).
    assert run.exit_code == (1 if "ERROR" in run.verdicts.values() else 0), run.console[-3000:]


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_the_expected_failures_are_exactly_the_failing_cases(preset: Preset) -> None:
    listed = load_expected_failures(preset.expected_failures, (c.id for c in CATALOGUE))
    failing = {case_id for case_id, o in read_verdicts(preset.verdicts_file).items() if o == "FAIL"}
    assert set(listed) == failing
    assert all(reason for reason in listed.values()), "every entry needs its one-line reason"


def test_the_readme_table_counts_the_checked_in_verdicts() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for preset in PRESETS:
        assert readme_row(preset) in readme, (
            f"README.md's preset table is stale; its {preset.name} row should read:\n"
            + readme_row(preset)
        )
