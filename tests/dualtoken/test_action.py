"""The GitHub Action: action.yml hands its inputs to `python -m dualtoken.action`, which runs
the suite, writes the reports the upload step picks up, the job summary and the step outputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from dualtoken.action import INPUTS, conformance_argv, main

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "conformance" / "profiles"


def _env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    env = {INPUTS[name.replace("_", "-")]: value for name, value in inputs.items()}
    env["GITHUB_OUTPUT"] = str(tmp_path / "output")
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    return env


def _outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "output").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_action_yml_passes_every_input_the_script_reads() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = {step.get("id", step.get("name")): step for step in action["runs"]["steps"]}
    suite = steps["suite"]
    assert suite["run"] == "python -m dualtoken.action"
    for name, variable in INPUTS.items():
        assert name in action["inputs"], name
        assert suite["env"][variable] == "${{ inputs." + name + " }}"
    upload = steps["Upload the reports"]
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "${{ inputs.report-dir }}"
    # Every output the action declares is one the script writes.
    declared = {re.findall(r"outputs\.([\w-]+)", o["value"])[0] for o in action["outputs"].values()}
    assert declared <= {"exit-code", "report-dir", "passed", "failed"}


def test_the_script_runs_the_suite_and_writes_reports_summary_and_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "known.txt").write_text("LOGIN-OK-01  # a stale entry: it passes\n")
    env = _env(
        tmp_path,
        profile=str(PROFILES / "reference-rotation.toml"),
        expected_failures="known.txt",
        select="LOGIN-OK ROTATION-01",
        report_dir="out",
    )
    # The listed case passes, so the entry is stale and the run fails: exit 1, reports written.
    assert main(env) == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "conformance.html",
        "conformance.json",
        "conformance.xml",
    ]
    outputs = _outputs(tmp_path)
    assert outputs["exit-code"] == "1"
    assert outputs["failed"] == "0" and int(outputs["passed"]) >= 2
    assert outputs["report-dir"] == "out"
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("### dualtoken conformance: dualtoken reference server")
    assert "| total | passed | failed |" in summary


def test_a_clean_run_exits_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(_env(tmp_path, select="LOGIN-OK")) == 0
    assert _outputs(tmp_path)["exit-code"] == "0"


def test_a_missing_profile_is_named_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_env(tmp_path, profile="nope.toml")) == 2
    assert "input profile: no file 'nope.toml'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="input strict: expected true or false"):
        conformance_argv({INPUTS["strict"]: "maybe"})


def test_inputs_become_the_conformance_options() -> None:
    argv, report_dir = conformance_argv(
        {
            INPUTS["base-url"]: "http://127.0.0.1:9000",
            INPUTS["strict"]: "true",
            INPUTS["args"]: "--json extra.json",
        }
    )
    assert report_dir == Path("dualtoken-reports")
    assert argv == [
        "--report-dir",
        "dualtoken-reports",
        "--base-url",
        "http://127.0.0.1:9000",
        "--strict",
        "--json",
        "extra.json",
    ]
