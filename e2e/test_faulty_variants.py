"""Proof that the scenarios can fail: each faulty client variant must be caught, by name.

The faulty build (vite --mode faulty, built into a temporary folder, never into frontend/dist)
carries broken clients selected by `?variant=NAME`. For every variant, the scenarios listed
below must fail with the labelled check that names the broken rule; the same scenarios must
pass on the same build with `variant=none`, so a failure is the variant's doing.
"""

from __future__ import annotations

import re

import pytest

from e2e.conftest import HarnessFactory
from e2e.frontend_build import FRONTEND
from e2e.scenarios import PROOF_SCENARIOS

#: variant -> {scenario: the label of the check that must fail}
CAUGHT_BY: dict[str, dict[str, str]] = {
    "storm": {"concurrent_burst": "one-refresh"},
    "queue-leak": {"refresh_token_expired": "settle", "refresh_answering_401": "settle"},
    "retry-loop": {"retry_answering_401_settles": "settle", "protected_always_401": "no-loop"},
    "no-redirect": {"refresh_token_expired": "redirect", "refresh_token_missing": "redirect"},
    "retry-deadlock": {"retry_answering_401_settles": "settle"},
    "no-tab-lock": {"two_tabs_share_one_refresh": "one-refresh"},
    "refresh-through-interceptor": {"refresh_answering_401": "settle"},
}

#: Scenarios that need the server to rotate refresh tokens (reuse is what makes tabs collide).
NEEDS_ROTATION = {"two_tabs_share_one_refresh"}


def server_for(scenario: str) -> pytest.MarkDecorator:
    return pytest.mark.server("faulty-rotation" if scenario in NEEDS_ROTATION else "faulty")


CASES = [
    pytest.param(
        variant, scenario, label, id=f"{variant}-caught-by-{scenario}", marks=server_for(scenario)
    )
    for variant, scenarios in CAUGHT_BY.items()
    for scenario, label in scenarios.items()
]


@pytest.mark.parametrize(("variant", "scenario", "label"), CASES)
def test_faulty_variant_is_caught(
    make_harness: HarnessFactory, variant: str, scenario: str, label: str
) -> None:
    harness = make_harness(f"variant={variant}", variant=variant)
    with pytest.raises(AssertionError) as caught:
        PROOF_SCENARIOS[scenario](harness)
    assert f"[{label}]" in str(caught.value), (
        f"{scenario} failed on {variant}, but not with its [{label}] check:\n{caught.value}"
    )


@pytest.mark.parametrize(
    "scenario",
    [pytest.param(name, marks=server_for(name)) for name in sorted(PROOF_SCENARIOS)],
)
def test_faulty_build_without_a_variant_passes(make_harness: HarnessFactory, scenario: str) -> None:
    """Control: the faulty build running the correct client passes every proof scenario."""
    PROOF_SCENARIOS[scenario](make_harness("variant=none", variant="none"))


def test_every_variant_of_the_faulty_build_is_proven() -> None:
    source = (FRONTEND / "src" / "faulty" / "index.ts").read_text()
    table = source[source.index("const VARIANTS = {") : source.index("} satisfies")]
    declared = set(re.findall(r"^\s+'?([a-z-]+)'?: \w+Recovery,$", table, re.MULTILINE))
    assert declared, "found no variants in src/faulty/index.ts"
    assert declared == set(CAUGHT_BY), f"declared {sorted(declared)}, proven {sorted(CAUGHT_BY)}"
    assert len(declared) >= 5
