"""`dualtoken init-profile`: probe a running server and write a starter target profile.

    dualtoken init-profile --base-url http://127.0.0.1:5000 --username U --password P \\
        [--secret-env JWT_SECRET_KEY | --private-key-file key.pem] [--out theirs.toml]

Each value the probe found is followed by a comment saying what it saw; what it could not find
is listed at the top, and those keys keep the suite's defaults (marked `not found`). The written
profile is checked by the suite's own profile parser before this command succeeds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import textwrap
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt

from conformance.profile import Claims, ProfileError, RejectionSpec, parse_profile
from dualtoken.probe import Finding, Probe, ProbeResult

__all__ = ["main", "render_profile"]

USAGE_ERROR = 2


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


class _Writer:
    def __init__(self, result: ProbeResult) -> None:
        self.result = result
        self.lines: list[str] = []

    def section(self, name: str) -> None:
        self.lines += ["", f"[{name}]"]
        # What the probe saw that no key of this section can say, or could not decide.
        for remark in self.result.remarks.get(name, []):
            self.lines += textwrap.wrap(
                remark, width=98, initial_indent="# ", subsequent_indent="#   "
            )

    def line(self, key: str, value: Any, note: str) -> None:
        text = f"{key} = {_toml(value)}"
        self.lines.append(f"{text:<40} # {note}" if note else text)

    def found(self, section: str, key: str, default: Any = None, *, always: bool = False) -> None:
        """The probed value with its evidence, else the default marked as not found."""
        finding = self.result.found.get((section, key))
        if finding is not None:
            self.line(key, finding.value, finding.note)
        elif always and default is not None:
            self.line(key, default, "not found: the suite's default, check it")


def render_profile(
    result: ProbeResult, probe: Probe, secret_env: str, private_key_file: str = ""
) -> str:
    """The profile text for what `probe` found; `private_key_file` as the profile names it."""
    out = _Writer(result)
    header = [
        "# Written by `dualtoken init-profile` from what the server answered to its own test",
        f"# logins, refreshes and logouts at {probe.base_url}. Every value says what it saw;",
        "# read each, and fix what is wrong before trusting a verdict.",
    ]
    if result.missing:
        header.append("#")
        header.append("# Not found (defaults or guesses are used, check them):")
        header += [f"#   - {item}" for item in result.missing]
    out.lines += header

    out.section("target")
    out.line("name", "target probed by init-profile", "")
    out.line("base_url", probe.base_url, "")
    out.line("timeout", probe.timeout, "")

    out.section("credentials")
    out.line("username", probe.username, "")
    out.line("password", probe.password, "")

    out.section("login")
    login_keys = [
        ("path", "/login"),
        ("encoding", "json"),
        ("username_field", "username"),
        ("password_field", "password"),
        ("access_token_field", "access_token"),
    ]
    if result.get("refresh", "transport") != "cookie":  # a cookie carries it, not the body
        login_keys.append(("refresh_token_field", "refresh_token"))
    for key, default in login_keys:
        out.found("login", key, default, always=True)
    out.found("login", "expires_in_field")
    out.found("login", "token_type_field")

    out.section("refresh")
    out.found("refresh", "path", "/refresh", always=True)
    out.found("refresh", "transport", "json", always=True)
    if result.get("refresh", "transport") != "bearer":
        out.found("refresh", "field", "refresh_token", always=True)
    out.found("refresh", "access_token_field")
    out.found("refresh", "returns_new_refresh", False, always=True)

    for request in result.logout:
        out.lines += ["", "[[logout]]"]
        for key in ("method", "path", "bearer", "refresh", "field"):
            finding: Finding | None = request.get(key)
            if finding is not None:
                out.line(key, finding.value, finding.note)

    out.section("paths")
    out.found("paths", "protected", ["/protected"], always=True)
    out.found("paths", "public")

    out.section("signing")
    out.found("signing", "algorithm", "HS256", always=True)
    if private_key_file:
        out.line(
            "private_key_file",
            private_key_file,
            "given (--private-key-file); the suite forges tokens with it",
        )
    elif secret_env:
        out.line("secret_env", secret_env, _secret_note(result, secret_env))
    else:
        out.lines.append(
            '# secret_env = "YOUR_JWT_SECRET"          # not given (--secret-env): without the '
            "key the suite cannot forge tokens, and skips the cases that need one"
        )

    out.section("claims")
    kinds_known = "kind_by" in {f.name for f in dataclasses.fields(Claims)}
    if kinds_known:
        out.found("claims", "kind_by")
    elif (kind := result.found.get(("claims", "kind_by"))) is not None:
        out.lines.append(f"# tokens told apart by {kind.value}: {kind.note}")
    for key in ("subject", "type", "access_type", "refresh_type"):
        out.found("claims", key)
    if kinds_known:
        out.found("claims", "access_audience")
        out.found("claims", "refresh_audience")
    required = result.found.get(("claims", "required"))
    if required is not None and required.note:
        out.line("required", required.value, required.note)
    else:
        present = ", ".join(getattr(probe, "_optional_claims", [])) or "none"
        out.line(
            "required",
            [],
            f"carried: {present}; required? needs the key (--secret-env or --private-key-file)",
        )
    out.found("claims", "issuer")
    out.found("claims", "audience")

    out.section("lifetimes")
    out.found("lifetimes", "access", 900, always=True)
    out.found("lifetimes", "refresh", 604800, always=True)
    out.line("leeway", 0, "not probed: the leeway your server allows on exp/nbf/iat")

    out.section("time")
    out.found("time", "mode", "forge", always=True)
    out.found("time", "clock_path")

    out.section("rejection")
    out.found("rejection", "statuses", [401], always=True)
    if "missing" in {f.name for f in dataclasses.fields(RejectionSpec)}:
        out.found("rejection", "missing")
    elif (missing := result.found.get(("rejection", "missing"))) is not None:
        out.lines.append(f"# a request without a token got {missing.value} ({missing.note})")
    out.found("rejection", "refresh")
    out.found("rejection", "login")
    out.found("rejection", "tolerated")

    out.section("capabilities")
    out.lines += [
        "# `false` declares a defence absent: its cases are DECLARED, counted apart and not",
        "# failing the run. Where the probe saw a defence missing it writes false; that is your",
        "# team's word to give: write true to have the suite judge it (and FAIL it) instead.",
    ]
    out.found("capabilities", "rotation", False, always=True)
    out.found("capabilities", "reuse_detection")
    out.found("capabilities", "logout_revokes_access", False, always=True)
    out.line("rate_limit", False, "not probed (it would take a burst of refreshes)")
    return "\n".join(out.lines) + "\n"


def _secret_note(result: ProbeResult, secret_env: str) -> str:
    token = result.get("probe", "access_token", "")
    secret = os.environ.get(secret_env, "")
    if not secret:
        return f"${secret_env} is not set here: set it before running the suite"
    algorithm = result.get("signing", "algorithm", "HS256")
    try:
        jwt.decode(token, secret, algorithms=[algorithm], options={"verify_exp": False})
    except jwt.PyJWTError:
        return f"${secret_env} does NOT verify the access token's signature: check it"
    return f"${secret_env} verifies the access token's signature"


def _relative_to_profile(key_file: Path, out: Path | None) -> str:
    """The key file as the profile names it: relative to the profile's folder (profiles
    resolve key files against their own folder), else absolute."""
    resolved = key_file.resolve()
    if out is None:
        return str(resolved)
    return os.path.relpath(resolved, out.resolve().parent)


def _check_loads(text: str, secret_env: str, base_dir: Path) -> None:
    """Parse the written profile as the suite will (with a stand-in key if $secret_env is unset
    here: the user sets it where the suite runs)."""
    unset = bool(secret_env) and not os.environ.get(secret_env)
    if unset:
        os.environ[secret_env] = "stand-in key for the profile check"
    try:
        parse_profile(tomllib.loads(text), source="init-profile output", base_dir=base_dir)
    finally:
        if unset:
            del os.environ[secret_env]


PROG = "dualtoken init-profile"


def _parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Probe a running dual-token server with test logins and refreshes, and "
        "write a starter target profile, each value commented with what was seen.",
    )
    parser.add_argument(
        "--base-url", required=True, metavar="URL", help="the server, e.g. http://127.0.0.1:8000"
    )
    parser.add_argument("--username", required=True, help="a test user's name")
    parser.add_argument("--password", required=True, help="that test user's password")
    parser.add_argument(
        "--secret-env",
        metavar="VAR",
        default="",
        help="environment variable holding the signing key (written as [signing] secret_env, "
        "and checked against the token the server issued)",
    )
    parser.add_argument(
        "--private-key-file",
        type=Path,
        metavar="PEM",
        help="for RS*/PS*/ES*/EdDSA: the private key the server signs with (written as [signing] "
        "private_key_file; lets the probe forge tokens to see required claims and the subject)",
    )
    parser.add_argument("--out", type=Path, help="write the profile here (default: stdout)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per request")
    return parser


def main(argv: Sequence[str] | None = None, *, prog: str = PROG) -> int:
    args = _parser(prog).parse_args(argv)
    if not args.base_url.startswith(("http://", "https://")):
        print(
            f"init-profile: --base-url: expected an http(s):// URL, got {args.base_url!r}",
            file=sys.stderr,
        )
        return USAGE_ERROR
    key = os.environ.get(args.secret_env, "") if args.secret_env else ""
    key_file = ""
    if args.private_key_file is not None:
        try:
            key = args.private_key_file.read_text(encoding="utf-8")
        except OSError as exc:
            print(
                f"init-profile: --private-key-file: cannot read {args.private_key_file}: "
                f"{exc.strerror}",
                file=sys.stderr,
            )
            return USAGE_ERROR
        key_file = _relative_to_profile(args.private_key_file, args.out)
    probe = Probe(args.base_url, args.username, args.password, timeout=args.timeout)
    try:
        result = probe.run()
        if key and ("login", "path") in result.found:
            probe.probe_with_key(key)
    except Exception as exc:  # any probe failure is a verdict, never a traceback
        print(f"init-profile: probing {args.base_url} failed: {exc}", file=sys.stderr)
        return USAGE_ERROR
    if ("login", "path") not in result.found:
        print(
            f"init-profile: {args.base_url}: no login endpoint answered tokens for these "
            "credentials; " + "; ".join(result.missing),
            file=sys.stderr,
        )
        return 1
    text = render_profile(result, probe, args.secret_env, key_file)
    try:
        base_dir = args.out.resolve().parent if args.out is not None else Path.cwd()
        _check_loads(text, args.secret_env, base_dir)
    except (ProfileError, tomllib.TOMLDecodeError) as exc:
        print(f"init-profile: the written profile does not load: {exc}", file=sys.stderr)
        sys.stdout.write(text)
        return 1
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out} (not found: {len(result.missing)}, listed at its top)")
    return 0
