"""The seed's protected and public routes, and a health check."""

from __future__ import annotations

from fastapi import APIRouter

from reference_server.deps import CurrentPrincipal
from reference_server.schemas import Detail, Message, ProtectedData

router = APIRouter(tags=["resources"])


@router.get("/protected", responses={401: {"model": Detail}, 400: {"model": Detail}})
async def protected(principal: CurrentPrincipal) -> ProtectedData:
    """Data only a holder of a valid, unrevoked access token of an active user may read."""
    name = principal.user.username
    return ProtectedData(message=f"Hello {name}", data="This is protected data", user=name)


@router.get("/public")
async def public() -> Message:
    """Data anyone may read."""
    return Message(message="This is public data")


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness probe."""
    return {"status": "ok"}
