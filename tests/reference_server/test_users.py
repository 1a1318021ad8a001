"""UserDirectory: argon2 hashes, disabled and deleted users, the users file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher

from reference_server.users import (
    DEMO_HASHER,
    STRONG_HASHER,
    UserDirectory,
    UsersFileError,
    hash_password,
)


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified.append(str(hash))
        return super().verify(hash, password)


def test_a_user_with_the_right_password_is_authenticated() -> None:
    users = UserDirectory(DEMO_HASHER)
    users.put("alice", password="correct horse")
    user = users.authenticate("alice", "correct horse")
    assert user is not None
    assert user.username == "alice"
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong"), ("alice", ""), ("bob", "correct horse"), ("", "")],
)
def test_anything_else_is_not(username: str, password: str) -> None:
    users = UserDirectory(DEMO_HASHER)
    users.put("alice", password="correct horse")
    assert users.authenticate(username, password) is None


def test_an_unknown_user_costs_a_hash_check_too() -> None:
    # Otherwise the answer time tells which usernames exist.
    hasher = CountingHasher()
    users = UserDirectory(hasher)
    assert users.authenticate("nobody", "password") is None
    assert len(hasher.verified) == 1


def test_a_disabled_user_is_not_authenticated_nor_active_until_enabled() -> None:
    users = UserDirectory(DEMO_HASHER)
    users.put("alice", password="pw", disabled=True)
    assert users.authenticate("alice", "pw") is None
    assert users.active("alice") is None
    assert users.get("alice") is not None
    assert users.set_disabled("alice", False)
    assert users.active("alice") is not None
    assert not users.set_disabled("nobody", True)


def test_a_deleted_user_is_gone() -> None:
    users = UserDirectory(DEMO_HASHER)
    users.put("alice", password="pw")
    assert users.delete("alice")
    assert not users.delete("alice")
    assert users.authenticate("alice", "pw") is None
    assert users.active("alice") is None


def test_a_corrupt_hash_refuses_the_login_instead_of_failing() -> None:
    users = UserDirectory(DEMO_HASHER)
    users.put_hashed("alice", "not-an-argon2-hash")
    assert users.authenticate("alice", "anything") is None


def test_hash_password_uses_the_strong_parameters() -> None:
    hashed = hash_password("s3cret")
    assert STRONG_HASHER.verify(hashed, "s3cret")
    assert f"m={STRONG_HASHER.memory_cost}" in hashed


def test_the_users_file_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    entries = [
        {"username": "alice", "password_hash": DEMO_HASHER.hash("a-pw")},
        {"username": "bob", "password_hash": DEMO_HASHER.hash("b-pw"), "disabled": True},
    ]
    path.write_text(json.dumps({"users": entries}))
    users = UserDirectory(DEMO_HASHER)
    users.load_file(path)
    assert users.authenticate("alice", "a-pw") is not None
    assert users.authenticate("bob", "b-pw") is None
    assert users.get("bob") is not None


@pytest.mark.parametrize(
    "content",
    [
        None,
        "",
        "{not json",
        "[]",
        '{"people": []}',
        '{"users": [{"username": "a"}]}',
        '{"users": 5}',
        b"\xff\xfe\x00",
    ],
)
def test_a_bad_users_file_is_a_clear_error_naming_it(
    tmp_path: Path, content: str | bytes | None
) -> None:
    path = tmp_path / "users.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(UsersFileError, match=r"DUALTOKEN_USERS_FILE=.*users\.json"):
        UserDirectory(DEMO_HASHER).load_file(path)
