"""`dualtoken SUBCOMMAND [options]`: dispatch to the `python -m …` entry point of each part.

Every subcommand hands its arguments, untouched, to the `main()` that `python -m conformance`,
`python -m load`, `python -m reference_server` and `python -m e2e` already run, so the options
and their help live in one place and cannot drift apart from this front door.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["SUBCOMMANDS", "main"]

USAGE_ERROR = 2


class EntryPoint(Protocol):
    """Each part's `main(argv, *, prog)`: prog is the name its usage lines show."""

    def __call__(self, argv: list[str], *, prog: str) -> int: ...


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str
    # "module:function" of a main(argv, *, prog) -> int.
    entry: str
    # The extra to install when the entry point's imports are missing from this install.
    extra: str = ""


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "conformance",
        "run the conformance catalogue against a server (default: the embedded reference server)",
        "conformance.cli:main",
    ),
    Subcommand(
        "client",
        "run the browser client suite in real Chromium (python -m e2e)",
        "e2e.cli:main",
        extra="e2e",
    ),
    Subcommand(
        "load",
        "bounded Locust load runs against a server (python -m load)",
        "load.cli:main",
        extra="load",
    ),
    Subcommand(
        "server",
        "run the reference server (python -m reference_server)",
        "reference_server.__main__:main",
    ),
    Subcommand(
        "init-profile",
        "probe a running server and write a starter target profile",
        "dualtoken.init_profile:main",
    ),
)


def _usage() -> str:
    width = max(len(sub.name) for sub in SUBCOMMANDS)
    lines = [
        "usage: dualtoken SUBCOMMAND [options]   (dualtoken SUBCOMMAND --help for its options)",
        "",
        "Conformance suite and end-to-end harness for dual-token (JWT access + refresh) auth.",
        "",
        "subcommands:",
    ]
    lines += [f"  {sub.name:<{width}}  {sub.summary}" for sub in SUBCOMMANDS]
    return "\n".join(lines)


def _missing_extra(sub: Subcommand, exc: ModuleNotFoundError) -> int:
    hint = f"; install it with: pip install 'dualtoken[{sub.extra}]'" if sub.extra else ""
    print(
        f"dualtoken {sub.name}: this install lacks the module {exc.name!r}{hint}",
        file=sys.stderr,
    )
    return USAGE_ERROR


def _run(sub: Subcommand, args: Sequence[str]) -> int:
    module_name, _, function = sub.entry.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only a dependency that is absent, not a bug inside our own modules.
        if exc.name and exc.name.split(".")[0] in {"conformance", "load", "e2e", "dualtoken"}:
            raise
        return _missing_extra(sub, exc)
    entry: EntryPoint = getattr(module, function)
    # Its usage and errors then say `dualtoken conformance`, the command the user typed.
    return entry(list(args), prog=f"dualtoken {sub.name}")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0 if args else USAGE_ERROR
    by_name = {sub.name: sub for sub in SUBCOMMANDS}
    sub = by_name.get(args[0])
    if sub is None:
        print(f"dualtoken: unknown subcommand {args[0]!r}\n\n{_usage()}", file=sys.stderr)
        return USAGE_ERROR
    return _run(sub, args[1:])
