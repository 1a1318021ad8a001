"""Shared verifiers: each checks one property of an answer and raises CaseFailure with
expected/actual, so cases read as a list of requirements rather than ad-hoc asserts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.outcomes import CaseFailure

__all__ = [
    "SetCookie",
    "bearer_challenge",
    "describe",
    "json_body",
    "set_cookies",
    "verify_no_crash",
    "verify_rejected",
    "verify_success",
]


def describe(response: httpx.Response) -> str:
    """`401 {"detail": ...}`: the status and the start of the body, for `actual`."""
    text = response.content[:200].decode("utf-8", errors="replace").strip()
    more = "…" if len(response.content) > 200 else ""
    return f"{response.status_code} {text}{more}".strip()


def _statuses(statuses: Iterable[int]) -> str:
    return " or ".join(str(status) for status in statuses)


def verify_no_crash(response: httpx.Response, what: str) -> None:
    if response.status_code >= 500:
        raise CaseFailure(
            f"{what}: any answer but a 5xx (a 5xx is a crash, never a correct rejection)",
            describe(response),
        )


def verify_rejected(
    response: httpx.Response, statuses: tuple[int, ...], tolerated: tuple[int, ...], what: str
) -> str | None:
    """A correct rejection: a status from `statuses`. Any other 4xx still refuses, so the
    requirement holds and only the status habit differs (RFC 6750 §3.1 and RFC 6749 §5.2 name
    their statuses with SHOULD, or "unless specified otherwise"): that returns a note, which
    the caller records as NON-STRICT. A 2xx, a 3xx or a 5xx raises."""
    verify_no_crash(response, what)
    if response.status_code in statuses:
        return None
    expected = f"{what}: refused with {_statuses(statuses)}"
    if response.is_success:
        raise CaseFailure(expected, f"accepted: {describe(response)}")
    if 400 <= response.status_code < 500:
        listed = " (listed in [rejection] tolerated)" if response.status_code in tolerated else ""
        return (
            f"{expected}; got {response.status_code} (refused, but not with the declared "
            f"status){listed}"
        )
    raise CaseFailure(expected, describe(response))


def verify_success(response: httpx.Response, what: str) -> None:
    verify_no_crash(response, what)
    if not response.is_success:
        raise CaseFailure(f"{what}: accepted (2xx)", describe(response))


def json_body(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        raise CaseFailure(f"{what}: a JSON object", describe(response)) from None
    if not isinstance(body, dict):
        raise CaseFailure(f"{what}: a JSON object", describe(response))
    return body


def bearer_challenge(response: httpx.Response) -> dict[str, str] | None:
    """The parameters of a `WWW-Authenticate: Bearer ...` challenge, or None if there is none."""
    for value in response.headers.get_list("www-authenticate"):
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() == "bearer":
            return _auth_params(rest)
    return None


def _auth_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    rest = text.strip()
    while rest:
        name, sep, rest = rest.partition("=")
        if not sep:
            break
        rest = rest.lstrip()
        if rest.startswith('"'):
            value, index, escaped = "", 1, False
            while index < len(rest):
                char = rest[index]
                if escaped:
                    value, escaped = value + char, False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    break
                else:
                    value += char
                index += 1
            rest = rest[index + 1 :]
        else:
            value, _, rest = rest.partition(",")
            value = value.strip()
        params[name.strip().strip(",").strip().lower()] = value
        rest = rest.lstrip().lstrip(",").lstrip()
    return params


@dataclass
class SetCookie:
    """One Set-Cookie header, parsed loosely (attribute names lower-cased)."""

    name: str
    value: str
    attributes: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    def has(self, attribute: str) -> bool:
        return attribute.lower() in self.attributes

    def get(self, attribute: str) -> str:
        return self.attributes.get(attribute.lower(), "")

    @property
    def clears(self) -> bool:
        """Whether this header deletes the cookie (Max-Age <= 0 or an Expires in the past)."""
        max_age = self.get("max-age")
        if max_age.lstrip("-").isdigit():
            return int(max_age) <= 0
        expires = self.get("expires")
        return "1970" in expires or (not self.value and bool(expires))


def set_cookies(response: httpx.Response, name: str | None = None) -> list[SetCookie]:
    found: list[SetCookie] = []
    for raw in response.headers.get_list("set-cookie"):
        pair, *attributes = raw.split(";")
        cookie_name, _, value = pair.partition("=")
        cookie = SetCookie(cookie_name.strip(), value.strip().strip('"'), raw=raw)
        for attribute in attributes:
            key, _, attr_value = attribute.partition("=")
            cookie.attributes[key.strip().lower()] = attr_value.strip()
        if name is None or cookie.name == name:
            found.append(cookie)
    return found
