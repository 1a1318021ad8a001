"""A minimal Django + django-ninja-jwt API, as that library's documentation builds one.

From django-ninja-jwt 5.4's docs: "Getting started" (a NinjaExtraAPI with the token controller
at /api/token/pair and /api/token/refresh, `JWTAuth()` on protected operations) and "Blacklist
app" (`ninja_jwt.token_blacklist` installed and the TokenBlackListController registered, so
POST /api/token/blacklist {"refresh": ...} is the logout). Everything else is the library's
defaults: HS256 signed with Django's SECRET_KEY, 5-minute access and 1-day refresh tokens, no
rotation, `user_id` and `token_type` claims. One Django process in one file, served over ASGI.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import django
from django.conf import settings

__all__ = ["PASSWORD", "USERNAME", "configure"]

USERNAME = "user1"
PASSWORD = "password123"


def configure(secret: str, database: Path) -> None:
    """Django settings for this one-file project; must run before ninja_jwt is imported.
    DJANGO_DEFAULT_HASHER=1 keeps Django's own password hashers (PBKDF2, hundreds of thousands
    of rounds: a real deployment's slow login, which this one process answers one at a time)."""
    # A cheap hasher by default: the test user's password is public, and argon2/PBKDF2 would
    # make every one of the suite's logins cost ~0.3 s on this shared machine.
    cheap = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}
    settings.configure(
        DEBUG=False,
        SECRET_KEY=secret,
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF="tests.targets.django_ninja_jwt.urls",
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "ninja_extra",
            "ninja_jwt",
            "ninja_jwt.token_blacklist",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
        **({} if os.environ.get("DJANGO_DEFAULT_HASHER") == "1" else cheap),
    )
    django.setup()


def prepare_database() -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    model = get_user_model()
    if not model.objects.filter(username=USERNAME).exists():
        model.objects.create_user(username=USERNAME, password=PASSWORD)


def main() -> None:
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m tests.targets.django_ninja_jwt")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    secret = os.environ.get("DJANGO_SECRET_KEY", "")
    if len(secret) < 32:
        raise SystemExit("DJANGO_SECRET_KEY: set a secret of at least 32 bytes")
    with tempfile.TemporaryDirectory(prefix="ninja-jwt-") as folder:
        # DJANGO_DB_PATH lets a test's user hook (users.py) reach the same database.
        configure(secret, Path(os.environ.get("DJANGO_DB_PATH") or Path(folder) / "db.sqlite3"))
        prepare_database()
        from django.core.asgi import get_asgi_application

        application = get_asgi_application()
        uvicorn.run(application, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    sys.exit(main())
