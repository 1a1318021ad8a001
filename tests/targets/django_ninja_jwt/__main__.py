"""`python -m tests.targets.django_ninja_jwt --port N` (DJANGO_SECRET_KEY from the environment)."""

from __future__ import annotations

from tests.targets.django_ninja_jwt.app import main

main()
