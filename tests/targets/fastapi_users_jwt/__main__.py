"""`python -m tests.targets.fastapi_users_jwt --port N --db FILE` (SECRET from the environment)."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from tests.targets.fastapi_users_jwt.app import build_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.targets.fastapi_users_jwt",
        description="fastapi-users with a refresh cookie (a test target; do not deploy).",
    )
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1")
    parser.add_argument("--db", type=Path, default=Path("fastapi-users.db"), help="SQLite file")
    args = parser.parse_args(argv)
    uvicorn.run(build_app(args.db), host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
