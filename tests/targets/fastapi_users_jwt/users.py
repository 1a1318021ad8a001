"""`python -m tests.targets.fastapi_users_jwt.users disable|enable EMAIL --db FILE`: flip the
user's `is_active` in the app's SQLite file, as an admin would (fastapi-users' PATCH
/users/{id} does the same); the test gives these as the profile's [disable_user] /
[enable_user] hooks."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.targets.fastapi_users_jwt.users")
    parser.add_argument("action", choices=("disable", "enable"))
    parser.add_argument("email")
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args(argv)
    with sqlite3.connect(args.db) as db:
        updated = db.execute(
            'UPDATE "user" SET is_active = ? WHERE email = ?',
            (args.action == "enable", args.email),
        ).rowcount
    return 0 if updated == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
