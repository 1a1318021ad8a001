"""`python -m tests.targets.seed --port N`: serve the seed's backend under uvicorn on 127.0.0.1.

The design runs `uvicorn.run(app, host="127.0.0.1", port=8000)`; this does the same with the port
chosen by the caller, and lets the bench pick uvicorn's HTTP stack (`--http h11 --loop asyncio`
or `--http httptools --loop uvloop`) so both servers are compared on the same one.
"""

from __future__ import annotations

import argparse

import uvicorn

from tests.targets.seed.main import app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.targets.seed",
        description="The seed design's backend as published (a test target; do not deploy).",
    )
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"])
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"])
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    args = parser.parse_args(argv)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        http=args.http,
        loop=args.loop,
        log_level=args.log_level,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
