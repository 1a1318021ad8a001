"""The case catalogue, assembled in one place from one module per family, in run order."""

from __future__ import annotations

from conformance.catalogue import (
    bearer,
    concurrency,
    cookies,
    cors,
    jwt_claims,
    jwt_signature,
    lifetimes,
    login,
    logout,
    persistence,
    rate_limit,
    refresh,
    robustness,
    rotation,
    throttle,
    token_type,
    users,
)
from conformance.catalogue.case import Case, Family

__all__ = ["CATALOGUE", "FAMILIES", "Case", "Family"]

FAMILIES: tuple[Family, ...] = (
    login.FAMILY,
    bearer.FAMILY,
    jwt_signature.FAMILY,
    jwt_claims.FAMILY,
    token_type.FAMILY,
    refresh.FAMILY,
    lifetimes.FAMILY,
    logout.FAMILY,
    rotation.FAMILY,
    concurrency.FAMILY,
    cookies.FAMILY,
    cors.FAMILY,
    users.FAMILY,
    persistence.FAMILY,
    robustness.FAMILY,
    # Last: these spend the refresh rate limit,
    rate_limit.FAMILY,
    # and this may leave the account throttled.
    throttle.FAMILY,
)

CATALOGUE: tuple[Case, ...] = tuple(case for family in FAMILIES for case in family.cases)


def _check_unique() -> None:
    seen: set[str] = set()
    for case in CATALOGUE:
        if case.id in seen:
            raise RuntimeError(f"case ID {case.id} is declared twice")
        seen.add(case.id)


_check_unique()
