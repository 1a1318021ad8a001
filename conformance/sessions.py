"""The sessions a run opens: each login's tokens, and a ledger of which are still open so that
the run can log them all out at the end instead of leaving live refresh tokens behind."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.forge import decode_unverified

__all__ = ["Session", "SessionLedger"]


@dataclass
class Session:
    """The tokens of one login, as the target handed them out."""

    access: str
    refresh: str
    response: httpx.Response
    # Which login this session descends from (refreshes keep it); 0 when not in the ledger.
    family: int = field(default=0, compare=False)

    def claims(self, token: str | None = None) -> dict[str, Any]:
        return decode_unverified(token or self.access)[1]


class SessionLedger:
    """The newest session of every login family that was not logged out."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self._open: dict[int, Session] = {}
        self.opened = 0

    def opened_by_login(self, session: Session) -> None:
        session.family = next(self._numbers)
        self._open[session.family] = session
        self.opened += 1

    def refreshed(self, old: Session, new: Session) -> None:
        """A refresh answer: its tokens are the ones to log out now (rotation made the old
        refresh token useless, and logging out either ends the same session)."""
        new.family = old.family
        if old.family in self._open:
            self._open[old.family] = new

    def from_response(self, response: httpx.Response) -> Session | None:
        """The session noted for this login answer, if it is still open."""
        for session in reversed(self._open.values()):
            if session.response is response:
                return session
        return None

    def closed(self, session: Session) -> None:
        self._open.pop(session.family, None)

    def still_open(self) -> list[Session]:
        return list(self._open.values())
