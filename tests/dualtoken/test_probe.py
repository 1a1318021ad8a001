"""dualtoken.probe's pure helpers, without a server (the probe against servers:
test_init_profile.py, test_init_profile_targets.py)."""

from __future__ import annotations

from dualtoken.probe import _path_matches


def test_a_cookie_is_sent_only_where_its_path_lets_a_browser_send_it() -> None:
    assert _path_matches("/auth/refresh", "/auth")
    assert _path_matches("/auth/refresh", "/auth/")
    assert _path_matches("/auth/refresh", "/")
    assert not _path_matches("/authx/refresh", "/auth")
    assert not _path_matches("/refresh", "/auth/refresh")
