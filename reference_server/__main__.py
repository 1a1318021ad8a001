"""`python -m reference_server`: run the server under uvicorn, or hash a users-file password."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sqlite3
import sys

from pydantic import ValidationError
from redis.exceptions import RedisError

from reference_server.config import Settings, warn_if_dev
from reference_server.serving import serve
from reference_server.store import TokenStore
from reference_server.users import UsersFileError, hash_password

PROG = "python -m reference_server"


def _parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="dualtoken reference server. Settings come from DUALTOKEN_* variables.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 = any)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    parser.add_argument(
        "--http",
        default="auto",
        choices=["auto", "h11", "httptools"],
        help="HTTP parser (default auto: httptools when installed, as with uvicorn[standard])",
    )
    parser.add_argument(
        "--loop",
        default="auto",
        choices=["auto", "asyncio", "uvloop"],
        help="event loop (default auto: uvloop when installed)",
    )
    parser.add_argument(
        "--hash-password",
        action="store_true",
        help="read a password (prompt or stdin) and print its argon2 hash for DUALTOKEN_USERS_FILE",
    )
    return parser


def _load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            name = f"DUALTOKEN_{where.upper()}: " if where else ""
            print(f"reference_server: {name}{error['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


async def _check_store(store: TokenStore) -> None:
    """Make one query, so an unreachable store stops the server at start; then let it go."""
    try:
        await store.any_revoked(["startup-check"])
    finally:
        await store.close()


def main(argv: list[str] | None = None, *, prog: str = PROG) -> int:
    args = _parser(prog).parse_args(argv)
    if args.hash_password:
        password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline()
        print(hash_password(password.rstrip("\n")))
        return 0
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s: %(message)s")
    if args.workers > 1:
        # Every worker reads its settings from the environment it inherits: tell them they
        # are several, so that a SQLite store counts the limits for all of them.
        os.environ["DUALTOKEN_WORKERS"] = str(args.workers)
    settings = _load_settings()
    warn_if_dev(settings)
    if args.workers < 1:
        print("reference_server: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and (settings.store.startswith("memory") or settings.store == "sqlite:///"):
        print(
            f"reference_server: DUALTOKEN_STORE={settings.store} is private to one process and "
            "cannot be shared by several workers; use sqlite:///PATH or redis://HOST:PORT/DB",
            file=sys.stderr,
        )
        return 2
    try:
        # Build once in this process so a bad store, users file or frontend folder fails
        # here, clearly, rather than in every worker.
        from reference_server.app import build_services, create_app

        services = build_services(settings)
        create_app(settings, services=services)
        asyncio.run(_check_store(services.store))
    except (ValueError, UsersFileError, OSError) as exc:
        print(f"reference_server: {exc}", file=sys.stderr)
        return 2
    except (sqlite3.Error, RedisError) as exc:  # a missing folder, a Redis that is not there
        print(f"reference_server: DUALTOKEN_STORE={settings.store}: {exc}", file=sys.stderr)
        return 2
    serve(
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        http=args.http,
        loop=args.loop,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
