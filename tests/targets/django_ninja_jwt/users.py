"""`python -m tests.targets.django_ninja_jwt.users disable|enable USERNAME`: flip Django's
`is_active` in the running app's database (DJANGO_DB_PATH), as an admin would; the tests give
these as the profile's [disable_user] / [enable_user] hooks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.targets.django_ninja_jwt.app import configure


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("disable", "enable"):
        print(__doc__, file=sys.stderr)
        return 2
    action, username = argv
    configure("unused: this process signs nothing" * 2, Path(os.environ["DJANGO_DB_PATH"]))
    from django.contrib.auth import get_user_model

    updated = (
        get_user_model().objects.filter(username=username).update(is_active=action == "enable")
    )
    return 0 if updated == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
