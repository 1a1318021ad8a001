"""Starting the target for the run when the profile says how (`[target] command`).

The suite starts the command in its own process group with `{port}` replaced by a free port on
127.0.0.1, waits until the target answers over HTTP, restarts it on the same port for the
persistence cases, and at the end stops the whole group (SIGTERM, then SIGKILL) and waits until
the port is free again. A target that exits or stays silent raises `LaunchError` with the end
of its output, so the user sees why it did not come up.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import httpx

from conformance.outcomes import HarnessError
from conformance.profile import TargetSpec

__all__ = ["LaunchError", "TargetProcess", "free_port", "substitute_port"]

LOOPBACK = "127.0.0.1"
# How much of the target's output a launch error shows.
OUTPUT_TAIL = 1500


class LaunchError(HarnessError):
    """The target command did not come up (exited, or did not answer in time)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def substitute_port(text: str, port: int) -> str:
    return text.replace("{port}", str(port))


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((LOOPBACK, port)) != 0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class TargetProcess:
    """The profile's `[target] command`, run as a child process group for the length of a run."""

    def __init__(
        self, spec: TargetSpec, *, ready_path: str, port: int | None = None, section: str = "target"
    ) -> None:
        self.spec = spec
        # The profile section whose keys the errors name: the client suite starts an [app] too.
        self.section = section
        self.port = port or free_port()
        self.base_url = substitute_port(spec.base_url or f"http://{LOOPBACK}:{{port}}", self.port)
        self.ready_path = ready_path
        self.command = substitute_port(spec.command, self.port)
        self._process: subprocess.Popen[bytes] | None = None
        self._log = Path(tempfile.mkstemp(prefix="dualtoken-target-", suffix=".log")[1])

    def output(self) -> str:
        """The end of what the target printed (stdout and stderr), for error messages."""
        try:
            text = self._log.read_text(errors="replace")
        except OSError:
            return ""
        return text[-OUTPUT_TAIL:].strip()

    async def start(self) -> None:
        env = {**os.environ, "PORT": str(self.port)}
        env.update(
            {name: substitute_port(value, self.port) for name, value in self.spec.env.items()}
        )
        with self._log.open("ab") as log:
            try:
                self._process = subprocess.Popen(
                    ["/bin/sh", "-c", self.command],
                    cwd=self.spec.cwd or None,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                raise LaunchError(
                    f"[{self.section}] command could not start ({exc.strerror}): {self.command}"
                ) from None
        await self._wait_ready()

    async def _wait_ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.spec.ready_timeout
        url = self.base_url + self.ready_path
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                assert self._process is not None
                code = self._process.poll()
                if code is not None:
                    raise LaunchError(
                        f"[{self.section}] command exited with status {code} before answering "
                        f"({self.command}); its last output:\n{self.output() or '(none)'}"
                    )
                try:
                    await client.get(url)
                except httpx.TransportError:
                    if loop.time() > deadline:
                        await self.stop()
                        raise LaunchError(
                            f"[{self.section}] command did not answer GET {url} within "
                            f"{self.spec.ready_timeout:g} s ([{self.section}] ready_timeout) "
                            f"({self.command}); its last output:\n{self.output() or '(none)'}"
                        ) from None
                    await asyncio.sleep(0.1)
                else:
                    return

    async def stop(self) -> None:
        """Stop the whole process group and wait until the port is free."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, 5.0)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await asyncio.to_thread(process.wait)
        # Children that outlived the leader (a shell's server) still hold the port.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5.0
        while (_group_alive(process.pid) or not _port_free(self.port)) and loop.time() < deadline:
            await asyncio.sleep(0.05)

    async def restart(self) -> None:
        """Stop and start again on the same port (what the persistence cases need)."""
        await self.stop()
        await self.start()

    def running(self) -> bool:
        """Whether the command's process is still alive (it may have crashed mid-run)."""
        return self._process is not None and self._process.poll() is None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._log.unlink()

    def describe(self) -> str:
        return f"{shlex.quote(self.command)} on port {self.port}"
