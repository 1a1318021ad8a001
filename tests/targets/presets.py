"""The preset apps: start one on a free loopback port, run the suite at it with its preset.

`python -m tests.targets.presets [NAME ...]` re-runs the suite against each preset app and
rewrites its checked-in verdicts file (`tests/targets/<app>/verdicts.txt`), for when a case's
verdict changes on purpose; review the diff like code, reading each moved verdict as that
library's user would.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conformance.cli import main as conformance_main
from reference_server import launcher
from tests.servers import REPO_ROOT, free_port

__all__ = [
    "PRESETS",
    "Preset",
    "SuiteRun",
    "install_node_packages",
    "read_verdicts",
    "readme_row",
    "run_preset",
    "running",
]

PRESET_DIR = REPO_ROOT / "conformance" / "profiles" / "presets"
TARGETS_DIR = REPO_ROOT / "tests" / "targets"


@dataclass(frozen=True)
class Preset:
    """One popular stack: its preset profile and the minimal app that proves it."""

    name: str
    app_dir: str
    # The app's command; {port} is replaced by a free port.
    argv: tuple[str, ...]
    ready_path: str
    # The environment variable the app reads its signing secret from (the profile's secret_env).
    secret_env: str
    # What README.md's preset table names: the libraries and versions the app pins.
    stack: str = ""
    # {port} is replaced here too.
    extra_env: Mapping[str, str] = field(default_factory=dict)
    # Runs under Node with tests/targets/node/'s packages (express, jsonwebtoken).
    needs_node: bool = False
    # Profile text the tests add to the preset for this app alone (test hooks a user's app would
    # have its own of); {python} is this interpreter.
    test_profile_extra: str = ""
    # Environment both the app and the suite (its hooks) get; {tmp} is a fresh folder.
    shared_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def profile(self) -> Path:
        return PRESET_DIR / f"{self.name}.toml"

    @property
    def expected_failures(self) -> Path:
        return PRESET_DIR / f"{self.name}.expected-failures.txt"

    @property
    def verdicts_file(self) -> Path:
        return TARGETS_DIR / self.app_dir / "verdicts.txt"


PRESETS: tuple[Preset, ...] = (
    Preset(
        name="flask-jwt-extended",
        app_dir="flask_jwt_extended",
        argv=(sys.executable, "-m", "tests.targets.flask_jwt_extended", "--port", "{port}"),
        ready_path="/public",
        secret_env="JWT_SECRET_KEY",
        stack="flask-jwt-extended 4.7.4, Flask 3.1",
    ),
    Preset(
        name="express-jsonwebtoken",
        app_dir="node/express_jsonwebtoken",
        argv=("node", "tests/targets/node/express_jsonwebtoken/server.js"),
        ready_path="/public",
        secret_env="JWT_SECRET",
        stack="Express 5, jsonwebtoken 9",
        extra_env={"PORT": "{port}"},
        needs_node=True,
    ),
    Preset(
        name="django-ninja-jwt",
        app_dir="django_ninja_jwt",
        argv=(sys.executable, "-m", "tests.targets.django_ninja_jwt", "--port", "{port}"),
        ready_path="/api/public",
        secret_env="DJANGO_SECRET_KEY",
        stack="django-ninja-jwt 5.4.5, Django 5.2",
        # Django's is_active, flipped in the app's database as an admin would.
        test_profile_extra=(
            "\n[disable_user]\n"
            'command = "{python} -m tests.targets.django_ninja_jwt.users disable {username}"\n'
            "\n[enable_user]\n"
            'command = "{python} -m tests.targets.django_ninja_jwt.users enable {username}"\n'
        ),
        shared_env={"DJANGO_DB_PATH": "{tmp}/db.sqlite3"},
    ),
)


@dataclass(frozen=True)
class SuiteRun:
    exit_code: int
    verdicts: dict[str, str]
    console: str
    report: dict[str, object]


def read_verdicts(path: Path) -> dict[str, str]:
    """`CASE-ID OUTCOME` per line; `#` starts a comment."""
    verdicts: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.partition("#")[0].split()
        if text:
            case_id, outcome = text
            verdicts[case_id] = outcome
    return verdicts


OUTCOMES = ("PASS", "FAIL", "NON-STRICT", "SKIP", "DECLARED", "ERROR")


def readme_row(preset: Preset) -> str:
    """This preset's row of README.md's table, counted from its checked-in verdicts."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for outcome in read_verdicts(preset.verdicts_file).values():
        counts[outcome] = counts.get(outcome, 0) + 1
    cells = [f"`{preset.name}`", preset.stack, *(str(counts[o]) for o in OUTCOMES)]
    return "| " + " | ".join(cells) + " |"


def write_verdicts(preset: Preset, verdicts: Mapping[str, str]) -> None:
    lines = [
        f"# Every case's verdict on tests/targets/{preset.app_dir}/ with the {preset.name} preset.",
        "# Regenerate: python -m tests.targets.presets " + preset.name,
    ]
    lines += [f"{case_id} {outcome}" for case_id, outcome in verdicts.items()]
    preset.verdicts_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


NODE_DIR = TARGETS_DIR / "node"


def install_node_packages() -> str:
    """`npm ci` in tests/targets/node/ once; '' when ready, else why the Node apps cannot run."""
    if not (NODE_DIR / "package-lock.json").exists():
        return "tests/targets/node/package-lock.json is missing"
    wanted = json.loads((NODE_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]
    if all((NODE_DIR / "node_modules" / name).is_dir() for name in wanted):
        return ""  # every package the targets import is there (a new one makes npm ci run)
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return "" if done.returncode == 0 else f"npm ci failed:\n{done.stdout}\n{done.stderr}"


@contextlib.contextmanager
def running(preset: Preset, secret: str, *, startup_timeout: float = 60.0) -> Iterator[str]:
    """Start the preset's app with *secret* on a free port; yield its base URL; stop it.
    The preset's shared_env is set in this process too, for the suite's hooks."""
    with tempfile.TemporaryDirectory(prefix=f"{preset.name}-") as tmp:
        shared = {k: v.replace("{tmp}", tmp) for k, v in preset.shared_env.items()}
        saved = {k: os.environ.get(k) for k in shared}
        os.environ.update(shared)
        try:
            with _running(preset, secret, startup_timeout) as base_url:
                yield base_url
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@contextlib.contextmanager
def _running(preset: Preset, secret: str, startup_timeout: float) -> Iterator[str]:
    port = free_port()  # chosen here: some apps take it from the environment (PORT)
    env = {key: value for key, value in os.environ.items() if not key.startswith("DUALTOKEN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update({key: value.replace("{port}", str(port)) for key, value in preset.extra_env.items()})
    env[preset.secret_env] = secret
    server = launcher.launch(
        preset.name,
        lambda chosen: [part.replace("{port}", str(chosen)) for part in preset.argv],
        env=env,
        port=port,
        ready=launcher.http_ready(preset.ready_path),
        ready_timeout=startup_timeout,
        cwd=REPO_ROOT,
    )
    try:
        yield server.base_url
    finally:
        server.stop()


def run_preset(preset: Preset, base_url: str, secret: str, work_dir: Path) -> SuiteRun:
    """The suite, in this process, at *base_url* with the preset and its expected failures."""
    report = work_dir / f"{preset.name}.json"
    profile = preset.profile
    if preset.test_profile_extra:
        profile = work_dir / preset.profile.name
        extra = preset.test_profile_extra.replace("{python}", sys.executable)
        profile.write_text(preset.profile.read_text(encoding="utf-8") + extra, encoding="utf-8")
    argv = ["--profile", str(profile), "--base-url", base_url, "--json", str(report)]
    if preset.expected_failures.exists():
        argv += ["--expected-failures", str(preset.expected_failures)]
    console = io.StringIO()
    saved = os.environ.get(preset.secret_env)
    os.environ[preset.secret_env] = secret  # the profile reads it through secret_env
    try:
        with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
            exit_code = conformance_main(argv)
    finally:
        if saved is None:
            del os.environ[preset.secret_env]
        else:
            os.environ[preset.secret_env] = saved
    data = json.loads(report.read_text()) if report.exists() else {"cases": []}
    verdicts = {case["id"]: case["outcome"] for case in data["cases"]}
    return SuiteRun(exit_code, verdicts, console.getvalue(), data)


def main(argv: list[str]) -> int:
    chosen = [p for p in PRESETS if not argv or p.name in argv]
    if not chosen:
        print(f"no preset named {' '.join(argv)}; known: {', '.join(p.name for p in PRESETS)}")
        return 2
    for preset in chosen:
        if preset.needs_node and (problem := install_node_packages()):
            print(f"{preset.name}: cannot run: {problem}")
            return 1
        secret = secrets.token_urlsafe(36)
        with running(preset, secret) as base_url, tempfile.TemporaryDirectory() as work:
            run = run_preset(preset, base_url, secret, Path(work))
        write_verdicts(preset, run.verdicts)
        counts: dict[str, int] = {}
        for outcome in run.verdicts.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        print(f"{preset.name}: exit {run.exit_code}, {counts} -> {preset.verdicts_file}")
    print("\nREADME.md's preset table rows:")
    for preset in PRESETS:
        print(readme_row(preset))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
