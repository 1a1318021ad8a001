"""The seed design's backend (`main.py` of dual-token-refresh.md), rewritten faithfully.

Kept as published, on purpose, because this is what the suite must judge and the bench must beat:
- `SECRET_KEY = "your-secret-key"`, hard-coded and guessable;
- no `jti`: two logins for one user within one second produce identical tokens;
- `POST /refresh {}` raises KeyError, which FastAPI answers with 500;
- a non-dict JSON body on /refresh (a list, a string) fails the `data: dict` validation with 422;
- the design promises a blacklist, but there is no logout and nothing is ever revoked;
- no rate limit on /refresh although the design says the backend should have one;
- `disabled` is stored and never read; passwords are compared in plaintext;
- `exp` is not required on decode (PyJWT checks it only when present) and `iat`/`type` are
  not checked beyond the `type` value; a deleted user can still refresh;
- CORS reflects every origin with credentials allowed.

Only the annotations' spelling follows this repository's lint (`str | None` for `Optional[str]`);
every call and behaviour is the design's.
"""

from datetime import datetime, timedelta

import jwt
import uvicorn
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt.exceptions import InvalidTokenError
from pydantic import BaseModel

app = FastAPI()
security = HTTPBearer()

# 配置跨域 (as published: any origin, with credentials)
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)

# 配置 (as published)
SECRET_KEY = "your-secret-key"
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 15
REFRESH_TOKEN_EXPIRE_DAYS = 7

# 模拟用户数据库 (plaintext password; `disabled` is never read)
fake_users_db = {
    "user1": {
        "username": "user1",
        "password": "password123",
        "disabled": False,
    }
}


class TokenData(BaseModel):
    username: str | None = None


class Token(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str


class UserLogin(BaseModel):
    username: str
    password: str


def create_token(data: dict, expires_delta: timedelta | None = None, token_type: str = "access"):
    to_encode = data.copy()
    if expires_delta:
        expire = datetime.utcnow() + expires_delta
    else:
        expire = datetime.utcnow() + timedelta(minutes=15)
    to_encode.update({"exp": expire, "iat": datetime.utcnow(), "type": token_type})
    encoded_jwt = jwt.encode(to_encode, SECRET_KEY, algorithm=ALGORITHM)
    return encoded_jwt


def verify_token(token: str, token_type: str = "access"):
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])

        if payload.get("type") != token_type:
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid token type"
            )

        username: str = payload.get("sub")
        if username is None:
            raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid token")
        return TokenData(username=username)
    except jwt.ExpiredSignatureError:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Token expired")
    except InvalidTokenError:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid token")


async def get_current_user(
    credentials: HTTPAuthorizationCredentials = Depends(security),
):
    token_data = verify_token(credentials.credentials, "access")
    user = fake_users_db.get(token_data.username)
    if user is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="User not found")
    return user


@app.post("/login", response_model=Token)
async def login(user_data: UserLogin):
    """登录接口"""
    user = fake_users_db.get(user_data.username)
    if not user or user["password"] != user_data.password:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password",
        )

    access_token_expires = timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
    access_token = create_token(
        data={"sub": user_data.username},
        expires_delta=access_token_expires,
        token_type="access",
    )

    refresh_token_expires = timedelta(days=REFRESH_TOKEN_EXPIRE_DAYS)
    refresh_token = create_token(
        data={"sub": user_data.username},
        expires_delta=refresh_token_expires,
        token_type="refresh",
    )

    return {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "token_type": "bearer",
    }


@app.post("/refresh")
async def refresh_token(data: dict):
    """刷新 access token"""
    try:
        # No check that the key exists: `{}` raises KeyError, which escapes as a 500.
        refresh_token = data["refresh_token"]
        token_data = verify_token(refresh_token, "refresh")

        access_token_expires = timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
        new_access_token = create_token(
            data={"sub": token_data.username},
            expires_delta=access_token_expires,
            token_type="access",
        )

        return {"access_token": new_access_token, "token_type": "bearer"}
    except HTTPException:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid refresh token"
        )


@app.get("/protected")
async def protected_route(current_user: dict = Depends(get_current_user)):
    return {
        "message": f"Hello {current_user['username']}",
        "data": "This is protected data",
    }


@app.get("/public")
async def public_route():
    """公开接口"""
    return {"message": "This is public data"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=8000)
