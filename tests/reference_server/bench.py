"""Reference server throughput: POST /refresh and GET /protected as ratios of GET /public.

    python -m tests.reference_server.bench [--requests 3000] [--connections 4] [--rounds 3]

Starts the real server (`python -m reference_server`, one worker, SQLite store in a temporary
folder, dev mode, refresh rate limit off) on 127.0.0.1 and drives it from this process over a
few keep-alive connections with a fixed number of requests per route, the routes taking turns
round by round so that a noisy neighbour slows them alike. The goal (issue 2) is
/refresh >= 0.8 x the trivial route, with the revocation and user checks on; --check turns a
missed goal into exit status 1.

Next to requests/s it prints the server process's CPU time per request (Linux /proc): with one
worker that is what bounds the rate, and unlike requests/s it hardly depends on how busy the
client or the machine is.

The server remembers tokens whose signature it already verified, so a token presented again
costs less. Each route that takes a token is therefore measured twice: with one token repeated
(one client calling again and again) and with a new token on every request (many clients, each
calling once: the cache never helps). The new tokens are minted here with the dev secret, with
the claims /login gives; the server cannot tell them from its own.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt

from reference_server.config import DEV_SECRET
from reference_server.tokens import new_id
from tests.servers import LOOPBACK, ServerProcess, ServerStartError, start_reference_server

GOAL = 0.8
TRIVIAL = "GET /public"
REFRESH_FRESH = "POST /refresh (a new token each request)"


@dataclass
class Route:
    name: str
    requests: Sequence[bytes]  # one entry: the same request every time

    def __post_init__(self) -> None:
        # Rounds continue where the last one stopped: with more distinct tokens than the
        # server's cache holds, cycling through them in order means its cache never hits.
        self.upcoming = itertools.cycle(self.requests)


@dataclass(frozen=True)
class Round:
    seconds: float
    latencies: list[float]
    server_cpu: float | None  # seconds of CPU the server process used, where /proc tells

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


def http_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {LOOPBACK}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def refresh_request(token: str) -> bytes:
    body = b'{"refresh_token": "' + token.encode() + b'"}'
    return http_request("POST", "/refresh", {"Content-Type": "application/json"}, body)


def protected_request(token: str) -> bytes:
    return http_request("GET", "/protected", {"Authorization": f"Bearer {token}"})


def minted(kind: str, count: int, ttl: int) -> list[str]:
    """*count* distinct tokens of *kind* for the demo user, as /login would issue them."""
    now = int(time.time())
    return [
        jwt.encode(
            {
                "sub": "user1",
                "type": kind,
                "jti": new_id(),
                "sid": new_id(),
                "iat": now,
                "exp": now + ttl,
            },
            DEV_SECRET,
            algorithm="HS256",
        )
        for _ in range(count)
    ]


def routes(server: ServerProcess, fresh_tokens: int) -> list[Route]:
    login = httpx.post(
        f"{server.base_url}/login", json={"username": "user1", "password": "password123"}
    )
    login.raise_for_status()
    tokens = login.json()
    return [
        Route(TRIVIAL, [http_request("GET", "/public", {})]),
        Route("GET /protected (one token)", [protected_request(tokens["access_token"])]),
        Route(
            "GET /protected (a new token each request)",
            [protected_request(t) for t in minted("access", fresh_tokens, 3600)],
        ),
        Route("POST /refresh (one token)", [refresh_request(tokens["refresh_token"])]),
        Route(REFRESH_FRESH, [refresh_request(t) for t in minted("refresh", fresh_tokens, 86_400)]),
    ]


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def drive(port: int, requests: Iterator[bytes], latencies: list[float]) -> None:
    """One keep-alive connection sending requests one after another until none are left."""
    reader, writer = await asyncio.open_connection(LOOPBACK, port)
    try:
        for request in requests:
            started = time.perf_counter()
            writer.write(request)
            status = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"the server answered {status}; the benchmark needs 200s")
    finally:
        writer.close()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process *pid* (Linux /proc), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_round(server: ServerProcess, route: Route, count: int, connections: int) -> Round:
    # One shared iterator: connections take the next request when they are free.
    source = itertools.islice(route.upcoming, count)
    latencies: list[float] = []
    cpu_before = cpu_seconds(server.pid)
    started = time.perf_counter()
    await asyncio.gather(*(drive(server.port, source, latencies) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    cpu_after = cpu_seconds(server.pid)
    cpu = cpu_after - cpu_before if cpu_after is not None and cpu_before is not None else None
    return Round(elapsed, latencies, cpu)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def measure(
    server: ServerProcess, args: argparse.Namespace
) -> tuple[list[Route], dict[str, list[Round]]]:
    # More distinct tokens than the server's cache of verified tokens (4096) holds.
    table = routes(server, fresh_tokens=max(args.requests, 5000))
    for route in table:  # warm-up: imports, caches, SQLite pages, connection set-up
        await run_round(server, route, min(args.requests, 300), args.connections)
    results: dict[str, list[Round]] = {route.name: [] for route in table}
    for number in range(args.rounds):
        # Rotate the order each round, so no route always runs first or last.
        shift = number % len(table)
        for route in table[shift:] + table[:shift]:
            outcome = await run_round(server, route, args.requests, args.connections)
            results[route.name].append(outcome)
    return table, results


def report(table: list[Route], results: dict[str, list[Round]], args: argparse.Namespace) -> float:
    """Print the table; return the ratio the goal is judged on."""
    rates = {name: statistics.median(r.rate for r in rounds) for name, rounds in results.items()}
    cpu = {name: server_cpu_per_request(rounds) for name, rounds in results.items()}
    print(
        f"reference server, 1 worker, SQLite store, refresh rate limit off; {args.connections} "
        f"keep-alive connections; {args.rounds} rounds x {args.requests} requests per route"
    )
    print(
        f"{'route':42} {'req/s':>6} {'x /public':>9} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'server CPU us/req':>18} {'x /public':>9}"
    )
    for route in table:
        latencies = [value for r in results[route.name] for value in r.latencies]
        used, trivial_used = cpu[route.name], cpu[TRIVIAL]
        cpu_text = f"{1e6 * used:18.0f}" if used is not None else f"{'n/a':>18}"
        # A CPU-bound server's rate is the inverse of its CPU per request.
        cpu_ratio = f"{trivial_used / used:9.2f}" if used and trivial_used else f"{'n/a':>9}"
        print(
            f"{route.name:42} {rates[route.name]:6.0f} {rates[route.name] / rates[TRIVIAL]:9.2f}"
            f" {1000 * percentile(latencies, 0.5):7.2f} {1000 * percentile(latencies, 0.99):7.2f}"
            f" {cpu_text} {cpu_ratio}"
        )
    ratio = rates[REFRESH_FRESH] / rates[TRIVIAL]
    verdict = "met" if ratio >= GOAL else "MISSED"
    print(f"goal: {REFRESH_FRESH} >= {GOAL:.2f} x {TRIVIAL} in req/s: {verdict} ({ratio:.2f})")
    used, trivial_used = cpu[REFRESH_FRESH], cpu[TRIVIAL]
    if used and trivial_used:
        by_cpu = trivial_used / used
        print(
            f"      by server CPU per request (what req/s would be on an idle machine): "
            f"{'met' if by_cpu >= GOAL else 'MISSED'} ({by_cpu:.2f})"
        )
    return ratio


def server_cpu_per_request(rounds: list[Round]) -> float | None:
    """Median over rounds of server CPU seconds per request (immune to a busy client)."""
    values = [r.server_cpu / len(r.latencies) for r in rounds if r.server_cpu is not None]
    return statistics.median(values) if values else None


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.reference_server.bench",
        description="Reference server throughput: /refresh and /protected as ratios of /public.",
    )
    parser.add_argument("--requests", type=positive, default=3000, help="per route and round")
    parser.add_argument("--connections", type=positive, default=4, help="keep-alive connections")
    parser.add_argument("--rounds", type=positive, default=3, help="rounds (median is shown)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the goal is missed")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dualtoken-bench-") as folder:
        env = {
            "DUALTOKEN_DEV": "1",
            "DUALTOKEN_STORE": f"sqlite:///{Path(folder) / 'bench.db'}",
            "DUALTOKEN_REFRESH_RATE_LIMIT": "0",
        }
        try:
            server = start_reference_server(env, log_dir=Path(folder))
        except ServerStartError as exc:
            print(f"bench: the reference server did not start: {exc}", file=sys.stderr)
            return 1
        try:
            table, results = asyncio.run(measure(server, args))
        except (OSError, RuntimeError, httpx.HTTPError) as exc:
            print(f"bench: {exc}\nserver log:\n{server.log()}", file=sys.stderr)
            return 1
        finally:
            server.stop()
    ratio = report(table, results, args)
    return 1 if args.check and ratio < GOAL else 0


if __name__ == "__main__":
    raise SystemExit(main())
