"""Error bodies and RFC 6750 challenges, and 422 bodies that can echo any input."""

from __future__ import annotations

import json

from reference_server.errors import AuthFailure, EchoSafeJSONResponse


def test_challenges_follow_rfc_6750() -> None:
    assert AuthFailure.missing().challenge() == 'Bearer realm="dualtoken"'
    invalid = AuthFailure.invalid_token("token has expired")
    assert invalid.status == 401
    assert invalid.challenge() == (
        'Bearer realm="dualtoken", error="invalid_token", error_description="token has expired"'
    )
    assert AuthFailure.invalid_request("two tokens").status == 400


def test_an_error_description_never_breaks_out_of_its_quotes() -> None:
    challenge = AuthFailure.invalid_token('bad "quoted" \\ thing').challenge()
    description = challenge.split('error_description="', 1)[1]
    assert description == "bad 'quoted' / thing\""


def test_echo_safe_json_renders_lone_surrogates_and_non_finite_numbers() -> None:
    content = {"detail": [{"input": "\ud800", "nan": float("nan"), "inf": [float("-inf")]}]}
    body = bytes(EchoSafeJSONResponse(content, 422).body)
    assert body.isascii()
    parsed = json.loads(body)
    assert parsed["detail"][0]["input"] == "\ud800"
    assert parsed["detail"][0]["nan"] == "nan"
    assert parsed["detail"][0]["inf"] == ["-inf"]
