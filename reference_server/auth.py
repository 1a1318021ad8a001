"""The dual-token rules: login, access checks, refresh with rotation, logout. No HTTP here."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Self

from starlette.concurrency import run_in_threadpool

from reference_server.store import Link, Rotation, TokenStore
from reference_server.tokens import (
    Claims,
    ExpiredTokenError,
    TokenError,
    TokenKind,
    TokenService,
    new_id,
)
from reference_server.users import User, UserDirectory


class InvalidCredentials(Exception):
    """Wrong username or password, or a disabled user: one message for all, on purpose."""


class BadLogoutToken(Exception):
    """The refresh token sent to /logout is not a refresh token of the caller."""


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    access: Claims
    refresh_token: str | None = None  # None when /refresh does not rotate
    refresh: Claims | None = None


def jti_key(claims: Claims) -> str:
    return f"jti:{claims.jti}"


def sid_key(sid: str) -> str:
    return f"sid:{sid}"


class AuthService:
    def __init__(
        self,
        *,
        tokens: TokenService,
        store: TokenStore,
        users: UserDirectory,
        rotation: bool,
        rotation_grace: float,
    ) -> None:
        self.tokens = tokens
        self.store = store
        self.users = users
        self.rotation = rotation
        self.rotation_grace = rotation_grace

    def using_store(self, store: TokenStore) -> Self:
        """These same rules (this class: a subclass keeps its own) over *store*, for one request."""
        view = copy.copy(self)
        view.store = store
        return view

    async def login(self, username: str, password: str, now: float) -> IssuedTokens:
        user = await run_in_threadpool(self.users.authenticate, username, password)
        if user is None:
            raise InvalidCredentials
        sid = new_id()
        access = self.tokens.claims_for(sub=user.username, kind="access", sid=sid, now=now)
        refresh = self.tokens.claims_for(sub=user.username, kind="refresh", sid=sid, now=now)
        if self.rotation:
            await self.store.begin_session(sid, Link(refresh.jti, refresh.iat, refresh.exp))
        return IssuedTokens(
            self.tokens.encode(access), access, self.tokens.encode(refresh), refresh
        )

    async def check(self, token: str, *, kind: TokenKind, now: float) -> tuple[Claims, User]:
        """Decode *token* as *kind*, then refuse it if revoked or its user is gone or disabled."""
        claims = self.tokens.decode(token, expected=kind, now=now)
        if await self.store.any_revoked((jti_key(claims), sid_key(claims.sid))):
            raise TokenError("token has been revoked")
        user = self.users.active(claims.sub)
        if user is None:
            raise TokenError("token's user is unknown or disabled")
        return claims, user

    async def refresh(self, token: str, now: float) -> IssuedTokens:
        presented, user = await self.check(token, kind="refresh", now=now)
        access = self.tokens.claims_for(
            sub=user.username, kind="access", sid=presented.sid, now=now
        )
        if not self.rotation:
            return IssuedTokens(self.tokens.encode(access), access)
        successor = self.tokens.claims_for(
            sub=user.username, kind="refresh", sid=presented.sid, now=now
        )
        verdict = await self.store.rotate(
            presented.sid,
            presented.jti,
            Link(successor.jti, successor.iat, successor.exp),
            now=now,
            grace=self.rotation_grace,
        )
        if verdict.outcome is Rotation.REUSED:
            await self.revoke_session(presented.sid, now)
            raise TokenError("refresh token was already used; the session has been revoked")
        if verdict.outcome is Rotation.GRACE_REPLAY and verdict.current is not None:
            # Re-mint the current token from its stored claims: the same bytes the winner got.
            current = verdict.current
            successor = Claims(
                presented.sub, "refresh", current.jti, presented.sid, current.iat, current.exp
            )
        return IssuedTokens(
            self.tokens.encode(access), access, self.tokens.encode(successor), successor
        )

    async def logout(self, access: Claims, refresh_token: str | None, now: float) -> None:
        """Revoke the caller's session, and the session of the refresh token if one is sent."""
        sessions = {access.sid}
        if refresh_token:
            try:
                refresh = self.tokens.decode(refresh_token, expected="refresh", now=now)
            except ExpiredTokenError:
                refresh = None  # already dead: nothing to revoke
            except TokenError as exc:
                raise BadLogoutToken(str(exc)) from None
            if refresh is not None:
                if refresh.sub != access.sub:
                    raise BadLogoutToken("refresh_token belongs to another user")
                sessions.add(refresh.sid)
        await self.store.revoke(jti_key(access), until=access.exp, now=now)
        for sid in sorted(sessions):
            await self.revoke_session(sid, now)

    async def revoke_session(self, sid: str, now: float) -> None:
        # Every token of a session expires within one refresh lifetime of now.
        await self.store.revoke(sid_key(sid), until=now + self.tokens.refresh_ttl, now=now)
