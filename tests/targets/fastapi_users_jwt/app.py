"""A FastAPI app on fastapi-users (15.x), with refresh tokens added the way teams add them.

Written from fastapi-users' "Full example" (SQLAlchemy + SQLite, `UserManager`, a `jwt`
backend of `BearerTransport` + `JWTStrategy`) and the refresh recipe its users pass around,
since the library ships none: a second `JWTStrategy` with a longer lifetime and its own
audience (`fastapi-users:refresh`) signs refresh tokens with the same secret; a custom login
route returns the access token in the body (as `BearerTransport` does) and sets the refresh
token as an HttpOnly cookie; `POST /auth/jwt/refresh` reads that cookie, lets the refresh
strategy find the user, and hands out a new access token and a new refresh cookie (a sliding
session); `POST /auth/jwt/logout` clears the cookie. Nothing is kept server side: the library
says a JWT "can't be invalidated: it's valid until it expires".

Shortcuts kept as a team would ship them: `SECRET` from the environment with a placeholder
fallback, tokens carrying only `sub`, `aud` and `exp` (no `iat`, no `jti`), the cookie on path
`/`, and no rate limit on refresh.
"""

# No `from __future__ import annotations`: FastAPI resolves the dependencies of routes defined
# inside build_app from their annotations at run time.

import os
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Annotated, Any

from fastapi import Cookie, Depends, FastAPI, HTTPException, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users.exceptions import UserAlreadyExists
from fastapi_users.password import PasswordHelper
from fastapi_users.router.common import ErrorCode
from fastapi_users_db_sqlalchemy import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

SECRET = os.environ.get("SECRET", "SECRET")  # the docs' own placeholder as the fallback
ACCESS_LIFETIME = 15 * 60
REFRESH_LIFETIME = 7 * 24 * 3600
REFRESH_COOKIE = "refresh_token"
REFRESH_AUDIENCE = ["fastapi-users:refresh"]
DEMO_USERS = (("user1@example.com", "password123"), ("user2@example.com", "password456"))


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    pass


class UserRead(schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(schemas.BaseUserCreate):
    pass


def database_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


# The docs' "Password hash" page: a PasswordHelper of one's own. Cheap argon2id parameters here
# (the default costs ~0.3 s a login on this machine, run synchronously on the event loop): the
# suite logs in about 200 times and CI has seconds per target; a slow login is the subject of
# tests/targets/slow_login/, not of this target.
PASSWORD_HELPER = PasswordHelper(
    PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
)


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = SECRET
    verification_token_secret = SECRET


def get_jwt_strategy() -> JWTStrategy[User, uuid.UUID]:
    return JWTStrategy(secret=SECRET, lifetime_seconds=ACCESS_LIFETIME)


def get_refresh_strategy() -> JWTStrategy[User, uuid.UUID]:
    return JWTStrategy(
        secret=SECRET, lifetime_seconds=REFRESH_LIFETIME, token_audience=REFRESH_AUDIENCE
    )


def build_app(db_path: Path) -> FastAPI:
    engine = create_async_engine(database_url(db_path))
    session_maker = async_sessionmaker(engine, expire_on_commit=False)

    async def get_async_session() -> AsyncGenerator[AsyncSession, None]:
        async with session_maker() as session:
            yield session

    async def get_user_db(
        session: Annotated[AsyncSession, Depends(get_async_session)],
    ) -> AsyncGenerator[SQLAlchemyUserDatabase[User, uuid.UUID], None]:
        yield SQLAlchemyUserDatabase(session, User)

    async def get_user_manager(
        user_db: Annotated[SQLAlchemyUserDatabase[User, uuid.UUID], Depends(get_user_db)],
    ) -> AsyncGenerator[UserManager, None]:
        yield UserManager(user_db, PASSWORD_HELPER)

    bearer_transport = BearerTransport(tokenUrl="auth/jwt/login")
    auth_backend = AuthenticationBackend(
        name="jwt", transport=bearer_transport, get_strategy=get_jwt_strategy
    )
    fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, [auth_backend])
    current_active_user = fastapi_users.current_user(active=True)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncGenerator[None, None]:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        # The docs' "Create a user programmatically", for the demo accounts.
        async with session_maker() as session:
            manager = UserManager(SQLAlchemyUserDatabase(session, User), PASSWORD_HELPER)
            for email, password in DEMO_USERS:
                with suppress(UserAlreadyExists):
                    await manager.create(UserCreate(email=email, password=password))
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    def set_refresh_cookie(response: Response, token: str) -> None:
        response.set_cookie(
            REFRESH_COOKIE,
            token,
            max_age=REFRESH_LIFETIME,
            httponly=True,
            secure=True,
            samesite="lax",
        )

    @app.post("/auth/jwt/login")
    async def login(
        response: Response,
        credentials: Annotated[OAuth2PasswordRequestForm, Depends()],
        user_manager: Annotated[UserManager, Depends(get_user_manager)],
    ) -> dict[str, str]:
        user = await user_manager.authenticate(credentials)
        if user is None or not user.is_active:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, ErrorCode.LOGIN_BAD_CREDENTIALS)
        set_refresh_cookie(response, await get_refresh_strategy().write_token(user))
        access_token = await get_jwt_strategy().write_token(user)
        return {"access_token": access_token, "token_type": "bearer"}

    @app.post("/auth/jwt/refresh")
    async def refresh(
        response: Response,
        user_manager: Annotated[UserManager, Depends(get_user_manager)],
        refresh_token: Annotated[str | None, Cookie(alias=REFRESH_COOKIE)] = None,
    ) -> dict[str, str]:
        user = await get_refresh_strategy().read_token(refresh_token, user_manager)
        if user is None or not user.is_active:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid refresh token")
        set_refresh_cookie(response, await get_refresh_strategy().write_token(user))
        access_token = await get_jwt_strategy().write_token(user)
        return {"access_token": access_token, "token_type": "bearer"}

    @app.post("/auth/jwt/logout", status_code=status.HTTP_204_NO_CONTENT)
    async def logout(response: Response, _: Annotated[User, Depends(current_active_user)]) -> None:
        response.delete_cookie(REFRESH_COOKIE, httponly=True, secure=True, samesite="lax")

    app.include_router(
        fastapi_users.get_register_router(UserRead, UserCreate), prefix="/auth", tags=["auth"]
    )

    @app.get("/authenticated-route")
    async def authenticated_route(
        user: Annotated[User, Depends(current_active_user)],
    ) -> dict[str, Any]:
        return {"message": f"Hello {user.email}!"}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
