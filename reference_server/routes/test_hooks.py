"""Test-only hooks: move the clock, disable/enable/create/delete users.

Mounted only when DUALTOKEN_TEST_CLOCK=1; otherwise these paths answer 404 like any unknown path.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from reference_server.deps import Services, ServicesDep
from reference_server.errors import BadRequest
from reference_server.schemas import ClockChange, ClockReading, Detail, NewUser

router = APIRouter(prefix="/__test__", tags=["test hooks"])


@router.get("/clock")
async def read_clock(services: ServicesDep) -> ClockReading:
    """The server's current time, epoch seconds."""
    return ClockReading(now=await services.clock.now())


@router.post("/clock")
async def move_clock(change: ClockChange, services: ServicesDep) -> ClockReading:
    """Move the clock: {"advance": seconds} or {"set": epoch seconds}."""
    if (change.advance is None) == (change.set is None):
        raise BadRequest('send exactly one of {"advance": seconds} or {"set": epoch seconds}')
    if change.advance is not None:
        now = await services.clock.advance(change.advance)
    else:
        assert change.set is not None
        now = await services.clock.set(change.set)
    return ClockReading(now=now)


async def _known(found: bool, username: str, services: Services) -> Detail:
    if not found:
        raise HTTPException(404, f"no user {username!r}")
    await services.shared_users.publish()  # so every worker sees the change
    return Detail(detail="ok")


@router.post("/users/{username}/disable")
async def disable_user(username: str, services: ServicesDep) -> Detail:
    """Refuse this user at login, protected routes and refresh."""
    return await _known(services.users.set_disabled(username, True), username, services)


@router.post("/users/{username}/enable")
async def enable_user(username: str, services: ServicesDep) -> Detail:
    """Undo disable."""
    return await _known(services.users.set_disabled(username, False), username, services)


@router.put("/users/{username}")
async def put_user(username: str, user: NewUser, services: ServicesDep) -> Detail:
    """Create or replace a user."""
    services.users.put(username, password=user.password, disabled=user.disabled)
    return await _known(True, username, services)


@router.delete("/users/{username}")
async def delete_user(username: str, services: ServicesDep) -> Detail:
    """Delete a user; their tokens stop working at once."""
    return await _known(services.users.delete(username), username, services)
