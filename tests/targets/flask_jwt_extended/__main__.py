"""`python -m tests.targets.flask_jwt_extended --port N` (JWT_SECRET_KEY from the environment)."""

from __future__ import annotations

from tests.targets.flask_jwt_extended.app import main

main()
