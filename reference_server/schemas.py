"""Request and response bodies, as the seed names them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Generous bounds: room for any real username, password or JWT, none for abuse.
_MAX_NAME = 150
_MAX_PASSWORD = 1024
MAX_TOKEN = 8192


class LoginRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    username: str = Field(min_length=1, max_length=_MAX_NAME)
    password: str = Field(min_length=1, max_length=_MAX_PASSWORD)


class RefreshTokenBody(BaseModel):
    """The body of /refresh and /logout: the refresh token (cookie mode may send none)."""

    model_config = ConfigDict(strict=True)
    refresh_token: str | None = Field(default=None, max_length=MAX_TOKEN)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str | None = None
    refresh_expires_in: int | None = None


class Message(BaseModel):
    message: str


class ProtectedData(BaseModel):
    message: str
    data: str
    user: str


class Detail(BaseModel):
    detail: str


class ClockReading(BaseModel):
    now: float


class ClockChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    advance: float | None = Field(default=None, ge=-1e9, le=1e9, allow_inf_nan=False)
    set: float | None = Field(default=None, ge=0, le=1e11, allow_inf_nan=False)


class NewUser(BaseModel):
    password: str = Field(min_length=1, max_length=_MAX_PASSWORD)
    disabled: bool = False
