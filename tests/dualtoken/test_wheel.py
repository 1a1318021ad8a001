"""From the wheel alone: build it, install it into a fresh venv outside the checkout, run it.

This is what a team does with `pip install dualtoken`: nothing from this checkout is on the path,
so a profile, word list or report asset missing from the package data fails here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("conformance", "reference_server", "load", "e2e", "dualtoken")
# Long enough for a cold pip cache on a busy 2-core machine; a warm run takes ~20 s in all.
INSTALL_TIMEOUT = 300

pytestmark = pytest.mark.slow


def _copy_sources(into: Path) -> Path:
    """Only what the wheel is built from, so building leaves no build/ or egg-info in the tree."""
    source = into / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules", "dist")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    return source


def _run(command: list[str], cwd: Path, timeout: float = INSTALL_TIMEOUT) -> str:
    # A clean environment: no PYTHONPATH pointing back at the checkout.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the built wheel (and its pinned dependencies) installed."""
    work = tmp_path_factory.mktemp("wheel")
    source = _copy_sources(work)
    wheels = work / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), "."], source)
    (wheel,) = wheels.glob("dualtoken-*.whl")
    env_dir = work / "venv"
    # Without pip inside: this pip installs into it (--python), which saves bootstrapping one.
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    constraints = ["-c", str(ROOT / "constraints.txt")]
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    _run([*pip, *constraints, str(wheel)], work)
    return env_dir / "bin"


def _data_files(root: Path) -> list[str]:
    """Files in the packages' subfolders that are not Python: profiles, presets, word lists."""
    return sorted(
        str(path.relative_to(root))
        for package in ("conformance", "e2e")
        for path in (root / package).rglob("*")
        if path.is_file()
        and len(path.relative_to(root / package).parts) > 1
        and path.suffix not in (".py", ".pyc")
    )


def test_the_wheel_ships_the_packaged_profiles_and_the_command(installed: Path) -> None:
    site = _run(
        [
            str(installed / "python"),
            "-c",
            "import conformance, pathlib; print(pathlib.Path(conformance.__file__).parent.parent)",
        ],
        installed,
    ).strip()
    assert not site.startswith(str(ROOT)), "conformance imported from the checkout"
    # Presets, their expected-failures files, the guessable-key word list, client profiles.
    assert _data_files(Path(site)) == _data_files(ROOT)
    usage = _run([str(installed / "dualtoken"), "--help"], installed)
    for subcommand in ("conformance", "client", "load", "server", "init-profile"):
        assert f"  {subcommand} " in usage
        if subcommand != "load":  # its extra is not installed here (the client's is not either)
            own = _run([str(installed / "dualtoken"), subcommand, "--help"], installed)
            assert own.startswith(f"usage: dualtoken {subcommand} ")


def test_a_subcommand_whose_extra_is_not_installed_says_which_to_install(installed: Path) -> None:
    done = subprocess.run(
        [str(installed / "dualtoken"), "load", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pip install 'dualtoken[load]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_dualtoken_conformance_runs_from_the_wheel_and_writes_its_reports(
    installed: Path, tmp_path: Path
) -> None:
    output = _run(
        [str(installed / "dualtoken"), "conformance", "--report-dir", "reports"],
        tmp_path,
        timeout=120,
    )
    assert " 0 failed" in output and " 0 errors" in output, output[-2000:]
    reports = tmp_path / "reports"
    assert sorted(p.name for p in reports.iterdir()) == [
        "conformance.html",
        "conformance.json",
        "conformance.xml",
    ]
    summary = json.loads((reports / "conformance.json").read_text())
    assert summary["summary"]["failed"] == 0
    # The packaged profile was used, not the checkout's.
    assert summary["summary"]["profile"].startswith(str(installed.parent))
    assert summary["summary"]["passed"] > 100


CLIENT_PROFILE = """
[app]
static = "."
[login]
url = "/dev/login"
[burst]
script = "(n) => window.fireBurst(n)"
[login_view]
selector = "#login-view"
"""


def test_dualtoken_client_from_the_wheel_asks_for_a_profile_then_the_extra(
    installed: Path, tmp_path: Path
) -> None:
    """The wheel ships no built frontend (the default target): the user is told to give their
    app's profile; with one, that the e2e extra (Playwright) is missing. Exit 2, no traceback."""
    client = [str(installed / "dualtoken"), "client"]
    done = subprocess.run(client, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no --client-profile given" in done.stderr
    assert "dualtoken client --client-profile theirs.toml" in done.stderr
    assert "Traceback" not in done.stderr
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "theirs.toml").write_text(CLIENT_PROFILE)
    done = subprocess.run(
        [*client, "--client-profile", "theirs.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pip install 'dualtoken[e2e]'" in done.stderr and "Traceback" not in done.stderr
