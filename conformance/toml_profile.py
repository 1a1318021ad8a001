"""Reading profile files: the checked TOML table reader the server and the client profiles share.

Every value is read through `Table`, which checks its type and remembers which keys were used, so
`done()` can refuse the keys nobody reads; every error is a `ProfileError` whose message names the
section and the key (`profile error: [login] path: expected a path starting with '/', got 'x'`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, cast

__all__ = ["ProfileError", "Table", "environment", "folder", "read_toml", "show"]


class ProfileError(ValueError):
    """The profile cannot be used; the message names the file section and key."""


class Table:
    """Reads one TOML table, checking types and remembering which keys were used."""

    def __init__(self, data: object, name: str) -> None:
        if not isinstance(data, dict):
            raise ProfileError(f"profile error: [{name}]: expected a table, got {show(data)}")
        self.data: dict[str, object] = data
        self.name = name
        self.used: set[str] = set()

    def _fail(self, key: str, message: str) -> ProfileError:
        return ProfileError(f"profile error: [{self.name}] {key}: {message}")

    def _get(self, key: str) -> object:
        self.used.add(key)
        return self.data.get(key)

    def has(self, key: str) -> bool:
        return key in self.data

    def text(self, key: str, default: str | None = None, *, choices: tuple[str, ...] = ()) -> str:
        value = self._get(key)
        if value is None:
            if default is None:
                raise self._fail(key, "required")
            return default
        if not isinstance(value, str):
            raise self._fail(key, f"expected a string, got {show(value)}")
        if choices and value not in choices:
            raise self._fail(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def path(self, key: str, default: str | None = None) -> str:
        value = self.text(key, default)
        if value and not value.startswith("/"):
            raise self._fail(key, f"expected a path starting with '/', got {value!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._fail(key, f"expected true or false, got {show(value)}")
        return value

    def number(self, key: str, default: float, *, minimum: float = 0.0) -> float:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(key, f"expected a number, got {show(value)}")
        if value < minimum:
            raise self._fail(key, f"expected a number >= {minimum:g}, got {value!r}")
        return float(value)

    def integer(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, f"expected an integer, got {show(value)}")
        if value < minimum:
            raise self._fail(key, f"expected an integer >= {minimum}, got {value!r}")
        return value

    def statuses(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not all(
            isinstance(item, int) and not isinstance(item, bool) and 400 <= item <= 499
            for item in value
        ):
            raise self._fail(key, f"expected a list of 4xx statuses, got {show(value)}")
        return tuple(cast(list[int], value))

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._fail(key, f"expected a list of strings, got {show(value)}")
        return tuple(cast(list[str], value))

    def mapping(self, key: str) -> dict[str, Any]:
        value = self._get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self._fail(key, f"expected a table, got {show(value)}")
        return value

    def fields(self, key: str = "fields") -> dict[str, str]:
        """A table of constant string fields, e.g. [login.fields] grant_type = "password"."""
        value = self._get(key)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
            raise self._fail(key, f"expected a table of strings, got {show(value)}")
        return dict(value)

    def table(self, key: str) -> Table:
        value = self._get(key)
        return Table({} if value is None else value, f"{self.name}.{key}" if self.name else key)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            known = ", ".join(sorted(self.used))
            raise self._fail(unknown[0], f"unknown key (known keys: {known})")


def folder(table: Table, key: str, base: Path) -> str:
    """A folder given relative to the profile file, made absolute; it must exist."""
    name = table.text(key, "")
    if not name:
        return ""
    folder = Path(name) if Path(name).is_absolute() else base / name
    if not folder.is_dir():
        raise ProfileError(f"profile error: [{table.name}] {key}: no such folder: {folder}")
    return str(folder.resolve())


def environment(table: Table, key: str) -> dict[str, str]:
    values = table.mapping(key)
    for name, value in values.items():
        if not isinstance(value, str):
            raise ProfileError(
                f"profile error: [{table.name}] {key}: {name}: expected a string, got {show(value)}"
            )
    return values


def show(value: object) -> str:
    kind = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
    return f"{kind} {value!r}" if not isinstance(value, dict) else kind


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML of a profile file; an unreadable or invalid file is a ProfileError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"profile error: cannot read {path}: {exc.strerror}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile error: {path} is not valid TOML: {exc}") from None
