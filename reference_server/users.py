"""Users with argon2-hashed passwords, seeded from a JSON file and (in dev mode) the demo user."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Production-strength hashing for real users (argon2-cffi's RFC 9106 "low memory" profile).
STRONG_HASHER = PasswordHasher()
# The demo user's password is published in the README, so an expensive hash would protect
# nothing and only slow down every test and load run that logs in.
DEMO_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

DEMO_USERNAME = "user1"
DEMO_PASSWORD = "password123"


@dataclass
class User:
    username: str
    password_hash: str
    disabled: bool = False


class UsersFileError(ValueError):
    """The users file cannot be read; the message names the file and the problem."""


class UserDirectory:
    """Looks users up and checks passwords; a missing or disabled user is never authenticated."""

    def __init__(self, hasher: PasswordHasher = STRONG_HASHER) -> None:
        self._hasher = hasher
        self._users: dict[str, User] = {}
        # Verifying against a dummy hash for unknown names keeps login timing from telling
        # which usernames exist.
        self._dummy_hash = hasher.hash("dualtoken-dummy-password")

    def get(self, username: str) -> User | None:
        return self._users.get(username)

    def active(self, username: str) -> User | None:
        user = self._users.get(username)
        return user if user is not None and not user.disabled else None

    def put(self, username: str, *, password: str, disabled: bool = False) -> User:
        user = User(username, self._hasher.hash(password), disabled)
        self._users[username] = user
        return user

    def put_hashed(self, username: str, password_hash: str, *, disabled: bool = False) -> None:
        self._users[username] = User(username, password_hash, disabled)

    def set_disabled(self, username: str, disabled: bool) -> bool:
        user = self._users.get(username)
        if user is None:
            return False
        user.disabled = disabled
        return True

    def delete(self, username: str) -> bool:
        return self._users.pop(username, None) is not None

    def all(self) -> list[User]:
        return list(self._users.values())

    def replace_all(self, users: list[User]) -> None:
        """Become exactly *users* (a directory another worker published)."""
        self._users = {user.username: user for user in users}

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user whose password this is, else None. CPU-heavy: call off the event loop."""
        user = self._users.get(username)
        try:
            self._hasher.verify(user.password_hash if user else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or user.disabled:
            return None
        return user

    def load_file(self, path: Path) -> None:
        """Read `{"users": [{"username", "password_hash", "disabled"?}]}`."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data["users"]
            for entry in entries:
                self.put_hashed(
                    str(entry["username"]),
                    str(entry["password_hash"]),
                    disabled=bool(entry.get("disabled", False)),
                )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsersFileError(f"DUALTOKEN_USERS_FILE={path}: {exc!r}") from None


def hash_password(password: str) -> str:
    """A hash for the users file, with the production parameters."""
    return STRONG_HASHER.hash(password)
