"""`python -m reference_server` as a real process: unusable settings are refused with a clear
message and exit status 2, never a traceback; --hash-password prints a usable hash."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher

import reference_server.__main__ as server_main_module
from reference_server.__main__ import main as server_main
from tests.servers import LOOPBACK, REPO_ROOT, free_port, server_env


@dataclass(frozen=True)
class Refusal:
    env: Mapping[str, str]
    args: Sequence[str]
    message: str


NOT_DEV = {"DUALTOKEN_DEV": "0"}
DEV = {"DUALTOKEN_DEV": "1"}

# Run as real processes: the promise is about the process (exit status, no traceback on stderr).
REFUSALS = {
    "no secret": Refusal(NOT_DEV, [], "DUALTOKEN_SECRET is not set"),
    "the seed's secret": Refusal(
        {**NOT_DEV, "DUALTOKEN_SECRET": "your-secret-key"}, [], "placeholder"
    ),
    "short secret": Refusal({**NOT_DEV, "DUALTOKEN_SECRET": "x" * 31}, [], "shorter than 32"),
    "memory store, 2 workers": Refusal(
        {**DEV, "DUALTOKEN_STORE": "memory://"}, ["--workers", "2"], "cannot be shared"
    ),
    "unopenable sqlite file": Refusal(
        {**DEV, "DUALTOKEN_STORE": "sqlite:////nonexistent/folder/x.db"}, [], "DUALTOKEN_STORE"
    ),
    "unreachable redis": Refusal(
        {**DEV, "DUALTOKEN_STORE": "redis://127.0.0.1:1/0"}, [], "DUALTOKEN_STORE=redis://"
    ),
}

# The same checks through main() in this process: each real start costs ~0.6 s of CPU.
IN_PROCESS_REFUSALS = {
    "empty secret": Refusal({**NOT_DEV, "DUALTOKEN_SECRET": ""}, [], "is not set"),
    "placeholder secret": Refusal({**NOT_DEV, "DUALTOKEN_SECRET": "changeme"}, [], "placeholder"),
    "0 workers": Refusal(DEV, ["--workers", "0"], "--workers must be at least 1"),
    "in-memory sqlite, 2 workers": Refusal(
        {**DEV, "DUALTOKEN_STORE": "sqlite:///"}, ["--workers", "2"], "cannot be shared"
    ),
    "unknown store": Refusal({**DEV, "DUALTOKEN_STORE": "postgres://db/x"}, [], "DUALTOKEN_STORE"),
    "missing users file": Refusal(
        {**DEV, "DUALTOKEN_USERS_FILE": "/nonexistent/users.json"}, [], "DUALTOKEN_USERS_FILE"
    ),
    "frontend without index.html": Refusal(
        {**DEV, "DUALTOKEN_FRONTEND_DIST": "/nonexistent"}, [], "index.html"
    ),
    "ttl not a number": Refusal(
        {**DEV, "DUALTOKEN_ACCESS_TTL": "soon"}, [], "DUALTOKEN_ACCESS_TTL"
    ),
    "refresh ttl too short": Refusal(
        {**DEV, "DUALTOKEN_ACCESS_TTL": "600", "DUALTOKEN_REFRESH_TTL": "60"},
        [],
        "DUALTOKEN_REFRESH_TTL",
    ),
    "unknown algorithm": Refusal({**DEV, "DUALTOKEN_ALGORITHM": "none"}, [], "DUALTOKEN_ALGORITHM"),
    "HS512 with a 32-byte secret": Refusal(
        {**NOT_DEV, "DUALTOKEN_SECRET": "k" * 32, "DUALTOKEN_ALGORITHM": "HS512"},
        [],
        "shorter than 64 bytes",
    ),
    "port not a number": Refusal(DEV, ["--port", "http"], "invalid int value"),
}


@dataclass(frozen=True)
class Outcome:
    status: int | None  # None: still running after the timeout (it started instead)
    output: str


@pytest.fixture(scope="module")
def refusal_outcomes() -> Iterator[dict[str, Outcome]]:
    """Every refusal case run at once (each is a separate interpreter start, ~0.6 s of CPU)."""
    running = {}
    for name, case in REFUSALS.items():
        argv = [sys.executable, "-m", "reference_server", "--host", LOOPBACK]
        argv += ["--port", str(free_port()), *case.args]
        running[name] = subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env=server_env(case.env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    outcomes = {}
    for name, process in running.items():
        try:
            output, _ = process.communicate(timeout=30)
            outcomes[name] = Outcome(process.returncode, output.decode(errors="replace"))
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            outcomes[name] = Outcome(None, output.decode(errors="replace"))
    yield outcomes


@pytest.mark.parametrize("name", REFUSALS)
def test_unusable_settings_are_refused_cleanly(
    name: str, refusal_outcomes: dict[str, Outcome]
) -> None:
    outcome = refusal_outcomes[name]
    assert outcome.status == 2, outcome.output
    assert REFUSALS[name].message in outcome.output
    assert "Traceback" not in outcome.output


@pytest.mark.parametrize("name", IN_PROCESS_REFUSALS)
def test_unusable_settings_are_refused_by_main(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = IN_PROCESS_REFUSALS[name]
    for variable, value in case.env.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setattr(server_main_module, "serve", _must_not_start)
    try:
        status = server_main(["--port", "0", *case.args])
    except SystemExit as exit:
        status = exit.code  # type: ignore[assignment]
    assert status == 2
    assert case.message in capsys.readouterr().err


def _must_not_start(*args: object, **kwargs: object) -> None:
    raise AssertionError("the server started despite unusable settings")


def test_hash_password_prints_an_argon2_hash_of_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reference_server", "--hash-password"],
        cwd=REPO_ROOT,
        env=server_env(),
        input=b"correct horse battery staple\n",
        capture_output=True,
        timeout=30,
        check=True,
    )
    hashed = result.stdout.decode().strip()
    assert hashed.startswith("$argon2id$")
    assert PasswordHasher().verify(hashed, "correct horse battery staple")


def test_help_lists_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reference_server", "--help"],
        cwd=REPO_ROOT,
        env=server_env(),
        capture_output=True,
        timeout=30,
        check=True,
    )
    for option in ("--host", "--port", "--workers", "--hash-password"):
        assert option in result.stdout.decode()
