"""How each `[claims] kind_by` marks, unmarks and relabels a token, and what the forger does
with an opaque refresh token."""

from __future__ import annotations

import tomllib
from typing import Any, cast

import jwt
import pytest

from conformance.context import CaseContext
from conformance.forge import DROP, Forger, decode_unverified
from conformance.outcomes import Skipped
from conformance.profile import Profile, parse_profile
from tests.conformance.case_context import MINIMAL_PROFILE

BASE = (
    MINIMAL_PROFILE
    + """[signing]
secret = "access-secret-0123456789abcdef0123456789"
"""
)
REFRESH_KEY = '[signing.refresh]\nsecret = "refresh-secret-0123456789abcdef012345678"\n'


def context(extra: str) -> CaseContext:
    profile: Profile = parse_profile(tomllib.loads(BASE + extra))
    return CaseContext(profile, cast(Any, None), cast(Any, None), Forger(profile.signing))


def token(key: str, claims: dict[str, Any], typ: str = "JWT") -> str:
    return jwt.encode(claims, key, algorithm="HS256", headers={"typ": typ})


ACCESS_KEY = "access-secret-0123456789abcdef0123456789"
CLAIMS = {"sub": "u", "exp": 2_000_000_000, "type": "access", "aud": "api"}


def test_claim_kind_changes_the_type_claim() -> None:
    ctx = context("")
    assert ctx.kind_marker("refresh") == ({"type": "refresh"}, {})
    assert ctx.kind_marker(None) == ({"type": DROP}, {})
    relabelled = ctx.relabel(token(ACCESS_KEY, CLAIMS), kind="access", as_kind="refresh")
    assert decode_unverified(relabelled)[1]["type"] == "refresh"


def test_header_kind_changes_typ_only() -> None:
    ctx = context('[claims]\nkind_by = "header"\n')
    issued = token(ACCESS_KEY, CLAIMS, typ="at+jwt")
    assert ctx.marker_of(issued) == "at+jwt"
    header, claims = decode_unverified(ctx.relabel(issued, kind="access", as_kind="refresh"))
    assert header["typ"] == "rt+jwt" and claims == CLAIMS
    changes, header_changes = ctx.kind_marker(None)
    unmarked = ctx.forger.resign(issued, changes=changes, header_changes=header_changes)
    assert "typ" not in decode_unverified(unmarked)[0]


def test_audience_kind_changes_aud() -> None:
    ctx = context(
        '[claims]\nkind_by = "audience"\naccess_audience = "api"\nrefresh_audience = "refresh"\n'
    )
    relabelled = ctx.relabel(token(ACCESS_KEY, CLAIMS), kind="access", as_kind="refresh")
    assert decode_unverified(relabelled)[1]["aud"] == "refresh"
    assert ctx.kind_marker(None) == ({"aud": DROP}, {})


def test_key_kind_signs_with_the_other_kinds_key() -> None:
    ctx = context('[claims]\nkind_by = "key"\n' + REFRESH_KEY)
    relabelled = ctx.relabel(token(ACCESS_KEY, CLAIMS), kind="access", as_kind="refresh")
    assert ctx.refresh_forger.verifies(relabelled) and not ctx.forger.verifies(relabelled)
    with pytest.raises(Skipped, match='kind_by = "key"'):
        ctx.kind_marker(None)


def test_opaque_refresh_tokens_are_never_forged() -> None:
    ctx = context('[refresh]\ntoken_format = "opaque"\n')
    with pytest.raises(Skipped, match='token_format = "opaque"'):
        ctx.refresh_forger.resign("a.b.c")
    with pytest.raises(Skipped, match='token_format = "opaque"'):
        ctx.refresh_forger.with_wrong_key("a.b.c")
