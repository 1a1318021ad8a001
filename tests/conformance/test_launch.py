"""`[target] command`: the suite starts the target, restarts it, stops the whole process group,
and turns a target that does not come up into a clear verdict (exit 2) showing its output."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tomllib
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.launch import TargetProcess
from conformance.outcomes import Outcome
from conformance.profile import parse_profile
from conformance.runner import TargetUnreachable, run_suite, select_cases
from tests.servers import REPO_ROOT

SEED = f"{sys.executable} -m tests.targets.seed --port {{port}} --log-level warning"


def profile_text(command: str, *, ready_timeout: float = 20.0) -> str:
    return f"""
[target]
command = {command!r}
cwd = {str(REPO_ROOT)!r}
ready_timeout = {ready_timeout}
health_path = "/public"
[credentials]
username = "user1"
password = "password123"
[paths]
protected = ["/protected"]
public = ["/public"]
"""


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_suite_starts_and_stops_the_target() -> None:
    profile = parse_profile(tomllib.loads(profile_text(SEED)))
    suite = run_suite(profile, cases=select_cases(["LOGIN-OK-01", "TYPE-01"]))
    assert [r.outcome for r in suite.results] == [Outcome.PASS, Outcome.PASS]
    assert suite.profile.target.base_url.startswith("http://127.0.0.1:")
    port = int(suite.profile.target.base_url.rsplit(":", 1)[1])
    assert not _listening(port)


def test_restart_keeps_the_port_and_stop_kills_the_group() -> None:
    spec = parse_profile(tomllib.loads(profile_text(SEED))).target

    async def scenario() -> tuple[int, int, bool]:
        process = TargetProcess(spec, ready_path="/public")
        await process.start()
        assert process._process is not None
        first = process._process.pid
        await process.restart()
        assert process._process is not None
        second = process._process.pid
        await process.stop()
        process.close()
        alive = True
        try:
            os.killpg(second, 0)
        except ProcessLookupError:
            alive = False
        assert first != second
        return process.port, second, alive

    port, _, alive = asyncio.run(scenario())
    assert not _listening(port) and not alive


def test_a_target_that_exits_is_an_error_showing_its_output() -> None:
    profile = parse_profile(tomllib.loads(profile_text("echo 'cannot bind: boom' >&2; exit 3")))
    with pytest.raises(TargetUnreachable) as raised:
        run_suite(profile)
    message = str(raised.value)
    assert "[target] command exited with status 3 before answering" in message
    assert "cannot bind: boom" in message


def test_a_silent_target_times_out_and_is_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    command = f"echo $$ > {pid_file}; echo starting; exec sleep 30"
    profile = parse_profile(tomllib.loads(profile_text(command, ready_timeout=0.5)))
    with pytest.raises(TargetUnreachable) as raised:
        run_suite(profile)
    assert "did not answer GET" in str(raised.value) and "within 0.5 s" in str(raised.value)
    assert "starting" in str(raised.value)
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_cli_exits_2_when_the_target_does_not_come_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text(profile_text("exit 7"))
    assert main(["--profile", str(profile)]) == 2
    assert "exited with status 7" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[target]\ncommand = "x"\napp = "m:a"',
            "[target] command: give command (the suite starts the server) or app",
        ),
        ('[target]\ncwd = "."\nbase_url = "http://127.0.0.1:9"', "[target] cwd: only used with"),
        (
            '[target]\ncommand = "x"\nbase_url = "http://127.0.0.1:9"',
            "[target] base_url: with a command, write the port as {port}",
        ),
        ('[target]\ncommand = "x"\ncwd = "no-such-folder"', "[target] cwd: no such folder"),
        ('[target]\ncommand = "x"\nenv = { PORT = 1 }', "[target] env: PORT: expected a string"),
        (
            '[target]\ncommand = "x"\n[capabilities]\nlogout = false\n[[logout]]\npath = "/x"',
            "[capabilities] logout: false says the target has no logout",
        ),
    ],
)
def test_bad_target_keys_name_the_key(extra: str, message: str) -> None:
    from conformance.profile import ProfileError

    base = 'credentials = { username = "u", password = "p" }\npaths = { protected = ["/me"] }\n'
    with pytest.raises(ProfileError) as raised:
        parse_profile(tomllib.loads(base + extra))
    assert message in str(raised.value)
