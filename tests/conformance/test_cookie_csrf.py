"""COOKIE-CSRF-01 grades by where a browser would send the cookie: a protected path that takes
the refresh cookie fails only when the cookie's Path lets the browser attach it there; when the
Path keeps it away (the reference server scopes it to /refresh and /logout), the server's habit
is a SHOULD-level note, not a FAIL (test_mutants.py shows the FAILs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.types import ASGIApp

from conformance.catalogue.cookies import cookie_path
from conformance.outcomes import Outcome
from conformance.runner import run_suite, select_cases
from conformance.verify import SetCookie
from reference_server.config import Settings
from tests.conformance.mutants.cookies import protected_reads_cookie
from tests.conformance.mutants.profiles import settings_for, variant_profile


def _verdict(tmp_path: Path, build: Callable[[Settings], ASGIApp] | None) -> tuple[Outcome, str]:
    profile = variant_profile("cookie", tmp_path)
    settings = settings_for(profile)
    factory = None if build is None else (lambda: build(settings))
    suite = run_suite(profile, cases=select_cases(["COOKIE-CSRF-01"]), app_factory=factory)
    (result,) = suite.results
    return result.outcome, result.detail


def test_reference_cookie_mode_passes(tmp_path: Path) -> None:
    assert _verdict(tmp_path, None)[0] is Outcome.PASS


def test_a_cookie_kept_away_by_its_path_is_only_a_note(tmp_path: Path) -> None:
    outcome, detail = _verdict(tmp_path, protected_reads_cookie("refresh_token", "refresh"))
    assert outcome is Outcome.NON_STRICT, detail
    assert "only their Path keeps browsers from attaching refresh_token" in detail, detail


def test_a_cookie_without_path_belongs_to_the_login_directory() -> None:
    # RFC 6265 §5.1.4 default-path: a cookie set by /auth/jwt/login without a Path is not sent
    # to /me, one set by /login is sent everywhere.
    bare = SetCookie("rt", "x")
    assert cookie_path(bare, "/auth/jwt/login") == "/auth/jwt"
    assert cookie_path(bare, "/login") == "/"
    assert cookie_path(SetCookie("rt", "x", {"path": "/refresh"}), "/auth/login") == "/refresh"
