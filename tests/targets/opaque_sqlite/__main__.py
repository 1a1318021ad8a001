"""`python -m tests.targets.opaque_sqlite --port N --db FILE`: serve the opaque-token target."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from tests.targets.opaque_sqlite.app import build_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.targets.opaque_sqlite",
        description="Opaque refresh tokens kept in SQLite (a test target; do not deploy).",
    )
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1")
    parser.add_argument("--db", type=Path, default=Path("opaque-tokens.db"), help="SQLite file")
    parser.add_argument(
        "--cors-origin", default="", help="an SPA's origin allowed to call it (default: none)"
    )
    parser.add_argument(
        "--prefix", default="", help="a path every route lives under, e.g. /api/v1 (default: none)"
    )
    args = parser.parse_args(argv)
    app = build_app(args.db, cors_origin=args.cors_origin, prefix=args.prefix.rstrip("/"))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
