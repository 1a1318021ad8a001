"""The one launcher: real processes on 127.0.0.1, ready when answering on a port they own."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reference_server.launcher import (
    LaunchedServer,
    LaunchError,
    free_port,
    http_ready,
    launch,
    launch_reference,
    port_is_free,
)

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV = {"DUALTOKEN_DEV": "1", "DUALTOKEN_STORE": "memory://"}


def _pid_alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


@pytest.fixture
def foreign_http_server() -> Iterator[int]:
    """An HTTP server in this test process (not launched), answering 200 to every GET."""

    class Always200(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Always200)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _native_modules_loaded(pid: int) -> set[str]:
    """Which of uvloop/httptools the process has mapped into memory (what it really runs on)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {name for name in ("uvloop", "httptools") if f"/{name}/" in maps}


@pytest.mark.parametrize(
    ("http", "loop", "native"),
    [("h11", "asyncio", set()), ("httptools", "uvloop", {"httptools", "uvloop"})],
)
def test_reference_server_serves_on_both_http_stacks(
    http: str, loop: str, native: set[str]
) -> None:
    with launch_reference(DEV, http=http, loop=loop) as server:
        tokens = httpx.post(
            f"{server.base_url}/login", json={"username": "user1", "password": "password123"}
        )
        assert tokens.status_code == 200
        access = tokens.json()["access_token"]
        me = httpx.get(
            f"{server.base_url}/protected", headers={"Authorization": f"Bearer {access}"}
        )
        assert me.status_code == 200
        assert _native_modules_loaded(server.pid) == native
    assert port_is_free(server.port)


def test_stop_ends_every_worker_and_frees_the_port() -> None:
    server = launch_reference(
        {"DUALTOKEN_DEV": "1", "DUALTOKEN_STORE": "sqlite:///:memory:"}, workers=2
    )
    port, supervisor, workers = server.port, server.pid, server.descendants()
    assert len(workers) >= 2
    assert server.owns_port()
    server.stop()
    assert port_is_free(port)
    assert not any(_pid_alive(pid) for pid in [supervisor, *workers])


def test_restart_keeps_the_port_and_replaces_the_process(tmp_path: Path) -> None:
    with launch_reference(DEV, log_dir=tmp_path) as server:
        port, first_pid = server.port, server.pid
        server.restart()
        assert (server.port, server.pid != first_pid) == (port, True)
        assert httpx.get(f"{server.base_url}/healthz").status_code == 200
        assert not _pid_alive(first_pid)


def test_restart_from_another_process_uses_the_saved_state(tmp_path: Path) -> None:
    state = tmp_path / "server.json"
    with launch_reference(DEV, log_dir=tmp_path) as server:
        server.save_state(state)
        revived = LaunchedServer.from_state(state)
        revived.restart()
        revived.save_state(state)
        assert revived.port == server.port and revived.pid != server.pid
        assert httpx.get(f"{server.base_url}/healthz").status_code == 200
        revived.stop()
    assert port_is_free(server.port)


def test_a_given_port_in_use_is_refused_before_starting(foreign_http_server: int) -> None:
    with pytest.raises(LaunchError, match=f"port {foreign_http_server} .* already in use"):
        launch_reference(DEV, port=foreign_http_server)


def test_an_answer_from_a_process_that_is_not_ours_is_not_ready(
    foreign_http_server: int, tmp_path: Path
) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        impostor = LaunchedServer(
            name="impostor",
            port=foreign_http_server,
            argv=[],
            env={},
            log_path=tmp_path / "none.log",
            pid=sleeper.pid,
        )
        assert http_ready()(foreign_http_server)
        assert not impostor.owns_port()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_server_that_dies_at_start_is_reported_with_its_log(tmp_path: Path) -> None:
    # No secret and no dev mode: the reference server refuses to start and says why.
    with pytest.raises(LaunchError, match="exited with status 2") as failure:
        launch_reference({"DUALTOKEN_STORE": "memory://"}, log_dir=tmp_path)
    assert "DUALTOKEN_SECRET" in str(failure.value)


def test_other_targets_start_the_same_way() -> None:
    command = [sys.executable, "-m", "tests.targets.seed", "--log-level", "warning", "--port"]
    with launch(
        "seed", lambda port: [*command, str(port)], ready=http_ready("/public"), cwd=REPO_ROOT
    ) as seed:
        assert httpx.get(f"{seed.base_url}/public").json() == {"message": "This is public data"}
    assert port_is_free(seed.port)


def test_free_port_is_free() -> None:
    assert port_is_free(free_port())
