"""Faulty auth rules and stores: the reference AuthService and MemoryStore with one rule broken."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from contextvars import ContextVar
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from reference_server.auth import AuthService, BadLogoutToken, IssuedTokens, jti_key, sid_key
from reference_server.store import Link, MemoryStore, Rotation, RotationVerdict
from reference_server.tokens import Claims, TokenError, TokenKind
from reference_server.users import User, UserDirectory


class LogoutNoop(AuthService):
    async def logout(self, access: Claims, refresh_token: str | None, now: float) -> None:
        return None


class LogoutKeepsRefresh(AuthService):
    """Revokes the access token only: the refresh token keeps minting new access tokens."""

    async def logout(self, access: Claims, refresh_token: str | None, now: float) -> None:
        await self.store.revoke(jti_key(access), until=access.exp, now=now)


class RevocationByBytes(AuthService):
    """Remembers the exact refresh token presented at logout instead of its session, so a copy
    of the same token with other bytes (re-signed with a new exp) still refreshes."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.revoked_tokens: set[str] = set()

    async def logout(self, access: Claims, refresh_token: str | None, now: float) -> None:
        await self.store.revoke(jti_key(access), until=access.exp, now=now)
        if refresh_token:
            self.revoked_tokens.add(refresh_token)

    async def check(self, token: str, *, kind: TokenKind, now: float) -> tuple[Claims, User]:
        if token in self.revoked_tokens:
            raise TokenError("token has been revoked")
        return await super().check(token, kind=kind, now=now)


class RevocationByJti(AuthService):
    """Denylists the jti of the two tokens logout is handed (the @fastify/jwt README's `trusted`
    denylist, tests/targets/node/fastify_jwt/), not their session: with rotation, a successor
    minted by a refresh racing the logout, and access tokens minted by earlier refreshes, live
    on."""

    async def logout(self, access: Claims, refresh_token: str | None, now: float) -> None:
        await self.store.revoke(jti_key(access), until=access.exp, now=now)
        if refresh_token:
            try:
                refresh = self.tokens.decode(refresh_token, expected="refresh", now=now)
            except TokenError as exc:
                raise BadLogoutToken(str(exc)) from None
            await self.store.revoke(jti_key(refresh), until=refresh.exp, now=now)


class RevocationForgotten(AuthService):
    """Keeps a revoked session only as long as an access token lives, though its refresh token
    lives on: after that the logged-out refresh token works again."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.revoked_until: dict[str, float] = {}

    async def revoke_session(self, sid: str, now: float) -> None:
        self.revoked_until[sid] = now + self.tokens.access_ttl

    async def check(self, token: str, *, kind: TokenKind, now: float) -> tuple[Claims, User]:
        claims, user = await super().check(token, kind=kind, now=now)
        if self.revoked_until.get(claims.sid, float("-inf")) > now:
            raise TokenError("token has been revoked")
        return claims, user


class InactiveUsersRefresh(AuthService):
    """Checks the user at protected routes but not at /refresh (disabled and deleted users)."""

    async def check(self, token: str, *, kind: TokenKind, now: float) -> tuple[Claims, User]:
        if kind == "access":
            return await super().check(token, kind=kind, now=now)
        claims = self.tokens.decode(token, expected="refresh", now=now)
        if await self.store.any_revoked((jti_key(claims), f"sid:{claims.sid}")):
            raise TokenError("token has been revoked")
        return claims, self.users.get(claims.sub) or User(claims.sub, "", False)


class DisabledUsersPass(AuthService):
    """Ignores the `disabled` flag everywhere after login, as the seed does."""

    async def check(self, token: str, *, kind: TokenKind, now: float) -> tuple[Claims, User]:
        claims = self.tokens.decode(token, expected=kind, now=now)
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


class GraceMintsNewSuccessor(MemoryStore):
    """A replay inside the grace window gets a brand-new successor, not the current one."""

    async def rotate(
        self, sid: str, presented_jti: str, successor: Link, *, now: float, grace: float
    ) -> RotationVerdict:
        verdict = await super().rotate(sid, presented_jti, successor, now=now, grace=grace)
        if verdict.outcome is Rotation.GRACE_REPLAY:
            self._sessions[sid] = dataclasses.replace(self._sessions[sid], current=successor)
            return RotationVerdict(Rotation.ROTATED, successor)
        return verdict


class OneTokenForBoth(AuthService):
    """The seed without its second token: one long-lived token, handed out as both."""

    def _long(self, claims: Claims) -> Claims:
        return dataclasses.replace(claims, exp=claims.iat + self.tokens.refresh_ttl)

    async def login(self, username: str, password: str, now: float) -> IssuedTokens:
        issued = await super().login(username, password, now)
        access = self._long(issued.access)
        token = self.tokens.encode(access)
        return IssuedTokens(token, access, token, access)

    async def check(self, token: str, *, kind: TokenKind, now: float) -> tuple[Claims, User]:
        return await super().check(token, kind="access", now=now)

    async def refresh(self, token: str, now: float) -> IssuedTokens:
        access = self._long((await super().refresh(token, now)).access)
        return IssuedTokens(self.tokens.encode(access), access)

    async def logout(self, access: Claims, refresh_token: str | None, now: float) -> None:
        await super().logout(access, None, now)


# The key this server used before a key rotation; some code path still signs with it.
STALE_KEY = "dualtoken-previous-key/rotated-out-but-still-used-somewhere"


class _StaleKey(AuthService):
    def _stale(self, claims: Claims) -> str:
        return jwt.encode(dataclasses.asdict(claims), STALE_KEY, algorithm=self.tokens.algorithm)


class StaleKeyAtLogin(_StaleKey):
    """Login signs the access token with the old key, which checks no longer accept."""

    async def login(self, username: str, password: str, now: float) -> IssuedTokens:
        issued = await super().login(username, password, now)
        return dataclasses.replace(issued, access_token=self._stale(issued.access))


class StaleKeyAtRefresh(_StaleKey):
    """Refresh signs the new access token with the old key; login is fine."""

    async def refresh(self, token: str, now: float) -> IssuedTokens:
        issued = await super().refresh(token, now)
        return dataclasses.replace(issued, access_token=self._stale(issued.access))


class OneShotRefresh(AuthService):
    """Without rotation, a refresh token is still burnt by its first use."""

    async def refresh(self, token: str, now: float) -> IssuedTokens:
        issued = await super().refresh(token, now)
        presented = self.tokens.decode(token, expected="refresh", now=now)
        await self.store.revoke(jti_key(presented), until=presented.exp, now=now)
        return issued


class RotationEchoesToken(AuthService):
    """Claims to rotate, but hands the presented refresh token back as the 'new' one."""

    async def refresh(self, token: str, now: float) -> IssuedTokens:
        issued = await super().refresh(token, now)
        presented = self.tokens.decode(token, expected="refresh", now=now)
        return dataclasses.replace(issued, refresh_token=token, refresh=presented)


# Set while a /refresh runs, so revoke_session knows it was called for reuse, not for logout.
_REFRESHING: ContextVar[bool] = ContextVar("refreshing", default=False)


class _SessionsByUser(AuthService):
    """Remembers which sessions each user has (a helper for the reuse faults below)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sessions: dict[str, set[str]] = defaultdict(set)
        self.owner: dict[str, str] = {}

    async def login(self, username: str, password: str, now: float) -> IssuedTokens:
        issued = await super().login(username, password, now)
        self.sessions[issued.access.sub].add(issued.access.sid)
        self.owner[issued.access.sid] = issued.access.sub
        return issued

    async def refresh(self, token: str, now: float) -> IssuedTokens:
        reset = _REFRESHING.set(True)
        try:
            return await super().refresh(token, now)
        finally:
            _REFRESHING.reset(reset)


class RefreshNeedsLiveAccess(AuthService):
    """A session ends when its access token expires: refresh only works while it is valid."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.access_until: dict[str, int] = {}

    async def login(self, username: str, password: str, now: float) -> IssuedTokens:
        issued = await super().login(username, password, now)
        self.access_until[issued.access.sid] = issued.access.exp
        return issued

    async def refresh(self, token: str, now: float) -> IssuedTokens:
        sid = self.tokens.decode(token, expected="refresh", now=now).sid
        if self.access_until.get(sid, 0) <= now:
            raise TokenError("session expired with its access token")
        issued = await super().refresh(token, now)
        self.access_until[sid] = issued.access.exp
        return issued


class ReuseRevokesEverySession(_SessionsByUser):
    """Reuse detection logs the user out everywhere, not just the stolen family."""

    async def revoke_session(self, sid: str, now: float) -> None:
        if not _REFRESHING.get():
            await super().revoke_session(sid, now)
            return
        for other in sorted(self.sessions.get(self.owner.get(sid, ""), {sid}) | {sid}):
            await super().revoke_session(other, now)


class ReuseSparesAccess(_SessionsByUser):
    """Reuse detection retires the family's refresh tokens but leaves its access tokens valid."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retired_families: set[str] = set()

    async def revoke_session(self, sid: str, now: float) -> None:
        if _REFRESHING.get():
            self.retired_families.add(sid)
            return
        await super().revoke_session(sid, now)

    async def check(self, token: str, *, kind: TokenKind, now: float) -> tuple[Claims, User]:
        claims, user = await super().check(token, kind=kind, now=now)
        if kind == "refresh" and claims.sid in self.retired_families:
            raise TokenError("refresh token family retired after reuse")
        return claims, user


class LogoutEverywhere(_SessionsByUser):
    """Logout revokes every session of the user (a per-user blacklist), not only the caller's."""

    async def logout(self, access: Claims, refresh_token: str | None, now: float) -> None:
        await super().logout(access, refresh_token, now)
        for sid in sorted(self.sessions.get(access.sub, set())):
            await self.revoke_session(sid, now)


class ReuseLocksAccount(_SessionsByUser):
    """Reuse detection disables the account, so the user cannot log in again."""

    async def revoke_session(self, sid: str, now: float) -> None:
        await super().revoke_session(sid, now)
        if _REFRESHING.get() and sid in self.owner:
            self.users.set_disabled(self.owner[sid], True)


class UnknownUsersPass(AuthService):
    """A token for a user that does not exist is honoured (only disabled users are refused)."""

    async def check(self, token: str, *, kind: TokenKind, now: float) -> tuple[Claims, User]:
        claims = self.tokens.decode(token, expected=kind, now=now)
        if await self.store.any_revoked((jti_key(claims), sid_key(claims.sid))):
            raise TokenError("token has been revoked")
        user = self.users.get(claims.sub)
        if user is not None and user.disabled:
            raise TokenError("user is disabled")
        return claims, user or User(claims.sub, "")


class SessionAllowlist(AuthService):
    """Live sessions are an allow-list in process memory, so a restart logs everyone out."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.live: set[str] = set()

    async def login(self, username: str, password: str, now: float) -> IssuedTokens:
        issued = await super().login(username, password, now)
        self.live.add(issued.access.sid)
        return issued

    async def check(self, token: str, *, kind: TokenKind, now: float) -> tuple[Claims, User]:
        claims, user = await super().check(token, kind=kind, now=now)
        if claims.sid not in self.live:
            raise TokenError("unknown session")
        return claims, user


class CountingUsers(UserDirectory):
    """Counts how often each user was disabled, so sessions can remember the count."""

    def __init__(self, hasher: PasswordHasher) -> None:
        super().__init__(hasher)
        self.disabled_count: dict[str, int] = defaultdict(int)

    def set_disabled(self, username: str, disabled: bool) -> bool:
        if disabled:
            self.disabled_count[username] += 1
        return super().set_disabled(username, disabled)


class DisablingRevokes(AuthService):
    """Disabling a user ends their sessions for good: re-enabling does not bring them back."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.born: dict[str, int] = {}

    def _count(self, username: str) -> int:
        assert isinstance(self.users, CountingUsers)
        return self.users.disabled_count[username]

    async def login(self, username: str, password: str, now: float) -> IssuedTokens:
        issued = await super().login(username, password, now)
        self.born[issued.access.sid] = self._count(username)
        return issued

    async def check(self, token: str, *, kind: TokenKind, now: float) -> tuple[Claims, User]:
        claims, user = await super().check(token, kind=kind, now=now)
        if self.born.get(claims.sid, 0) != self._count(claims.sub):
            raise TokenError("session ended when the user was disabled")
        return claims, user


class PasswordNotChecked(UserDirectory):
    """Any password logs an existing, active user in."""

    def authenticate(self, username: str, password: str) -> User | None:
        return self.active(username)


class UnknownUserFallsBack(UserDirectory):
    """An unknown username is checked against the first user's record (a default in a lookup)."""

    def authenticate(self, username: str, password: str) -> User | None:
        first = next(iter(self._users))
        return super().authenticate(username if self.get(username) else first, password)


class PasswordNormalised(UserDirectory):
    """Passwords are trimmed and lower-cased before they are checked."""

    def authenticate(self, username: str, password: str) -> User | None:
        return super().authenticate(username, password.strip().lower())


class DisabledUsersLogIn(UserDirectory):
    """Login checks the password but not the disabled flag."""

    def authenticate(self, username: str, password: str) -> User | None:
        user = self.get(username)
        if user is None or not user.disabled:
            return super().authenticate(username, password)
        try:
            self._hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return user


# What an empty password is turned into before validation (see http.EmptyPasswordBinds).
EMPTY_PASSWORD = "\x00(empty)"


class EmptyPasswordBinds(UserDirectory):
    """An empty password is an anonymous bind that succeeds, as on a misconfigured LDAP."""

    def authenticate(self, username: str, password: str) -> User | None:
        if password == EMPTY_PASSWORD:
            return self.active(username)
        return super().authenticate(username, password)
