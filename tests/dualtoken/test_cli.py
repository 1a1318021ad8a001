"""The `dualtoken` front door hands each subcommand's arguments to that part's own entry point."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from dualtoken.cli import SUBCOMMANDS, main
from tests.servers import free_port


def test_without_a_subcommand_it_prints_the_list_and_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([]) == 2
    listed = capsys.readouterr().out
    for sub in SUBCOMMANDS:
        assert f"  {sub.name} " in listed


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    listed = capsys.readouterr().out
    assert all(f"  {sub.name} " in listed for sub in SUBCOMMANDS)


def test_an_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformanse"]) == 2
    assert "unknown subcommand 'conformanse'" in capsys.readouterr().err


def test_conformance_options_reach_the_conformance_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "--dry-run", "--select", "LOGIN-OK-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("LOGIN-OK-01 ")
    assert "1 cases selected" in out


def test_a_bad_profile_is_a_clear_verdict_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["conformance", "--profile", "/nonexistent/theirs.toml"]) == 2
    assert "profile error: cannot read /nonexistent/theirs.toml" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["conformance", "load", "server"])
def test_each_subcommand_has_the_help_of_its_entry_point(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([name, "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: dualtoken {name} ")


@pytest.mark.parametrize("name", ["conformance", "init-profile"])
def test_a_usage_error_names_the_subcommand_typed(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([name, "--no-such-option"])
    assert exit_.value.code == 2
    assert f"usage: dualtoken {name} " in capsys.readouterr().err


def test_client_without_the_e2e_extra_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if importlib.util.find_spec("playwright") is not None:
        pytest.skip("Playwright is installed here; the next test covers the client subcommand")
    (tmp_path / "index.html").write_text("<!doctype html>")
    profile = tmp_path / "theirs.toml"
    profile.write_text(
        '[app]\nstatic = "."\n[login]\nurl = "/in"\n[burst]\nscript = "(n) => 0"\n'
        '[login_view]\nurl = "/login"\n'
    )
    assert main(["client", "--client-profile", str(profile)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'dualtoken[e2e]'" in err and "Traceback" not in err


def test_client_delegates_to_python_m_e2e(capsys: pytest.CaptureFixture[str]) -> None:
    # `nox -s tests` installs no Playwright; the e2e session's environment has it.
    pytest.importorskip("playwright", reason="the client suite needs the e2e extra")
    assert main(["client", "--dry-run", "--select", "ZZZ-NO-SUCH"]) == 2
    with pytest.raises(SystemExit) as exit_:
        main(["client", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: dualtoken client ") and "--client-profile" in out


def test_init_profile_at_a_server_that_is_not_there_is_a_verdict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["init-profile", "--username", "u", "--password", "p", "--timeout", "1"]
    assert main([*argv, "--base-url", f"http://127.0.0.1:{free_port()}"]) == 1
    err = capsys.readouterr().err
    assert "no login endpoint answered tokens" in err and "Traceback" not in err
    assert main([*argv, "--base-url", "127.0.0.1:8000"]) == 2
    assert "expected an http(s):// URL" in capsys.readouterr().err
