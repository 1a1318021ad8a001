"""Faulty auth rules and stores: the reference AuthService and MemoryStore with one rule broken."""

from __future__ import annotations

import asyncio

from reference_server.auth import AuthService, IssuedTokens, jti_key
from reference_server.store import Link, MemoryStore, Rotation, RotationVerdict
from reference_server.tokens import Claims, TokenError
from reference_server.users import User


class LogoutNoop(AuthService):
    async def logout(self, access: Claims, refresh_token: str | None, now: float) -> None:
        return None


class LogoutKeepsRefresh(AuthService):
    """Revokes the access token only: the refresh token keeps minting new access tokens."""

    async def logout(self, access: Claims, refresh_token: str | None, now: float) -> None:
        await self.store.revoke(jti_key(access), until=access.exp, now=now)


class InactiveUsersRefresh(AuthService):
    """Checks the user at protected routes but not at /refresh (disabled and deleted users)."""

    async def check(self, token: str, *, kind: str, now: float) -> tuple[Claims, User]:
        if kind == "access":
            return await super().check(token, kind=kind, now=now)
        claims = self.tokens.decode(token, expected="refresh", now=now)
        if await self.store.any_revoked((jti_key(claims), f"sid:{claims.sid}")):
            raise TokenError("token has been revoked")
        return claims, self.users.get(claims.sub) or User(claims.sub, "", False)


class DisabledUsersPass(AuthService):
    """Ignores the `disabled` flag everywhere after login, as the seed does."""

    async def check(self, token: str, *, kind: str, now: float) -> tuple[Claims, User]:
        claims = self.tokens.decode(
            token, expected="access" if kind == "access" else "refresh", now=now
        )
        if await self.store.any_revoked((jti_key(claims), f"sid:{claims.sid}")):
            raise TokenError("token has been revoked")
        user = self.users.get(claims.sub)
        if user is None:
            raise TokenError("unknown user")
        return claims, user


class RefreshedAccessLivesLong(AuthService):
    """A refreshed access token gets the refresh token's lifetime."""

    async def refresh(self, token: str, now: float) -> IssuedTokens:
        issued = await super().refresh(token, now)
        access = issued.access
        long = Claims(
            access.sub,
            "access",
            access.jti,
            access.sid,
            access.iat,
            access.iat + self.tokens.refresh_ttl,
        )
        return IssuedTokens(self.tokens.encode(long), long, issued.refresh_token, issued.refresh)


class NoReuseDetection(MemoryStore):
    """Rotation that never notices a retired token coming back."""

    async def rotate(
        self, sid: str, presented_jti: str, successor: Link, *, now: float, grace: float
    ) -> RotationVerdict:
        verdict = await super().rotate(sid, presented_jti, successor, now=now, grace=grace)
        if verdict.outcome is Rotation.REUSED:
            await self.begin_session(sid, successor)
            return RotationVerdict(Rotation.ROTATED, successor)
        return verdict


class GraceForAnyAncestor(MemoryStore):
    """The grace window admits every earlier token of the session, not only the predecessor."""

    def __init__(self) -> None:
        super().__init__()
        self._ancestors: dict[str, set[str]] = {}

    async def rotate(
        self, sid: str, presented_jti: str, successor: Link, *, now: float, grace: float
    ) -> RotationVerdict:
        ancestors = self._ancestors.setdefault(sid, set())
        verdict = await super().rotate(sid, presented_jti, successor, now=now, grace=grace)
        if verdict.outcome is Rotation.ROTATED:
            ancestors.add(presented_jti)
        elif presented_jti in ancestors and grace > 0:
            return RotationVerdict(Rotation.GRACE_REPLAY, verdict.current)
        return verdict


class RacyRotation(MemoryStore):
    """Check-then-act with an await in between: concurrent refreshes all win."""

    async def rotate(
        self, sid: str, presented_jti: str, successor: Link, *, now: float, grace: float
    ) -> RotationVerdict:
        session = self._sessions.get(sid)
        current_ok = session is None or session.current.jti == presented_jti
        await asyncio.sleep(0.01)
        if current_ok:
            await self.begin_session(sid, successor)
            return RotationVerdict(Rotation.ROTATED, successor)
        return await super().rotate(sid, presented_jti, successor, now=now, grace=grace)
