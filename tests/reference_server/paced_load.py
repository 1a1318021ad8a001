"""A load generator that offers a fixed request rate, for comparing server set-ups at equal load.

    python -m tests.reference_server.paced_load URL TOKENS --rate 1000 --seconds 4

wrk sends as fast as the server answers, so a set-up that is busier batches more work into each
wake-up and looks cheaper per request; wrk's `delay()` hook does not hold a rate on this machine
(measured: 20 ms pauses on 20 connections gave 460 req/s, 1 ms gave 870). Here request n is due
at start + n / rate; the connections take the due requests in turn (connection k sends requests
k, k + C, k + 2C, ...) and a connection whose previous answer came late sends at once. Each
request is `POST /refresh` with the next token of the file (one per line). It prints one JSON
line: requests answered, non-200 answers, seconds taken, and how many were sent more than 5 ms
late (the rate was not held if that is more than a few). With --wait-for-go it connects, prints
"ready" and starts when it reads a line, so a caller can read counters around the load alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

LATE = 0.005


def _request(host: str, port: int, path: str, token: str) -> bytes:
    body = b'{"refresh_token": "' + token.encode() + b'"}'
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


async def run(
    url: str,
    tokens: list[str],
    rate: float,
    seconds: float,
    connections: int,
    *,
    wait_for_go: bool = False,
) -> dict[str, float]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    requests = [_request(host, port, parts.path, token) for token in tokens]
    total = int(rate * seconds)
    counts = {"answered": 0, "non_200": 0, "late": 0}
    streams = [await asyncio.open_connection(host, port) for _ in range(connections)]
    if wait_for_go:
        # The caller reads the server's counters between "ready" and "go": the window then
        # holds the requests and nothing of this program's start.
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    start = time.monotonic() + 0.01

    async def connection(k: int) -> None:
        reader, writer = streams[k]
        for n in range(k, total, connections):
            due = start + n / rate
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            elif -wait > LATE:
                counts["late"] += 1
            writer.write(requests[n % len(requests)])
            status = await _read_status(reader)
            counts["answered"] += 1
            counts["non_200"] += status != 200

    await asyncio.gather(*(connection(k) for k in range(connections)))
    took = time.monotonic() - start
    for _, writer in streams:
        writer.close()
    return {**counts, "seconds": took}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reference_server.paced_load")
    parser.add_argument("url", help="e.g. http://127.0.0.1:8000/refresh")
    parser.add_argument("tokens", type=Path, help="refresh tokens, one per line")
    parser.add_argument("--rate", type=float, default=1000.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--offset", type=int, default=0, help="start this far into the tokens")
    parser.add_argument(
        "--wait-for-go", action="store_true", help='print "ready" once connected, start on a line'
    )
    args = parser.parse_args(argv)
    tokens = args.tokens.read_text().split()
    tokens = tokens[args.offset % len(tokens) :] + tokens[: args.offset % len(tokens)]
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    figures = runner(
        run(
            args.url,
            tokens,
            args.rate,
            args.seconds,
            args.connections,
            wait_for_go=args.wait_for_go,
        )
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
