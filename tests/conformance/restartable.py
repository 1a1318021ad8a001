"""A reference server that a profile's `[restart] command` can restart on the same port.

    with restartable_server(env, state_file) as base_url: ...
    python -m tests.conformance.restartable STATE_FILE     # the restart command

The launcher saves the server (pid, port, command, environment) to the state file; restarting
kills the process group (SIGKILL, as in a crash), starts a new server on the same port and
rewrites the pid.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from reference_server.launcher import LaunchedServer, LaunchError
from tests.servers import start_reference_server


def restart(state_file: Path) -> None:
    server = LaunchedServer.from_state(state_file)
    try:
        server.restart(crash=True)
    except LaunchError as exc:
        raise SystemExit(f"could not restart the reference server: {exc}") from None
    server.save_state(state_file)


@contextmanager
def restartable_server(
    env: Mapping[str, str], state_file: Path, *, workers: int = 1
) -> Iterator[str]:
    server = start_reference_server(env, workers=workers, log_dir=state_file.parent)
    server.save_state(state_file)
    try:
        yield server.base_url
    finally:
        # The restart command may have replaced the process: stop the one on record.
        LaunchedServer.from_state(state_file).stop()
        server.stop()


if __name__ == "__main__":
    restart(Path(sys.argv[1]))
