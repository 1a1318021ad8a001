"""The reference server as a real uvicorn process on a free loopback port: revocations survive a
restart, every worker honours a logout, and transport-level abuse gets a 4xx, never a 5xx."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reference_server.users import DEMO_HASHER
from tests.conftest import StartServer
from tests.reference_server.rawhttp import (
    RawResponse,
    build_request,
    exchange,
    exchange_with_server_pid,
)
from tests.servers import ServerProcess, start_reference_server

pytestmark = pytest.mark.slow

PRODUCTION_SECRET = "live-test-secret-" + "x" * 40


def log_in(base_url: str, username: str = "user1", password: str = "password123") -> dict[str, str]:
    response = httpx.post(f"{base_url}/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- restarts --------------------------------------------------------------------------------


def test_revocations_and_rotation_state_survive_a_restart(
    start_server: StartServer, tmp_path: Path
) -> None:
    # Production settings (no dev mode): an explicit secret and a users file.
    users = tmp_path / "users.json"
    users.write_text(
        json.dumps({"users": [{"username": "alice", "password_hash": DEMO_HASHER.hash("pw")}]})
    )
    env = {
        "DUALTOKEN_DEV": "0",
        "DUALTOKEN_SECRET": PRODUCTION_SECRET,
        "DUALTOKEN_USERS_FILE": str(users),
        "DUALTOKEN_STORE": f"sqlite:///{tmp_path}/dualtoken.db",
        "DUALTOKEN_ROTATION": "1",
    }
    first = start_server(env)
    logged_out = log_in(first.base_url, "alice", "pw")
    kept = log_in(first.base_url, "alice", "pw")
    rotating = log_in(first.base_url, "alice", "pw")
    logout = httpx.post(
        f"{first.base_url}/logout",
        headers=bearer(logged_out["access_token"]),
        json={"refresh_token": logged_out["refresh_token"]},
    )
    assert logout.status_code == 200
    rotated = httpx.post(
        f"{first.base_url}/refresh", json={"refresh_token": rotating["refresh_token"]}
    )
    assert rotated.status_code == 200
    assert first.stop() is not None

    second = start_server(env)
    url = second.base_url
    revoked_access = httpx.get(f"{url}/protected", headers=bearer(logged_out["access_token"]))
    revoked_refresh = httpx.post(
        f"{url}/refresh", json={"refresh_token": logged_out["refresh_token"]}
    )
    kept_access = httpx.get(f"{url}/protected", headers=bearer(kept["access_token"]))
    kept_refresh = httpx.post(f"{url}/refresh", json={"refresh_token": kept["refresh_token"]})
    reuse = httpx.post(f"{url}/refresh", json={"refresh_token": rotating["refresh_token"]})
    assert revoked_access.status_code == revoked_refresh.status_code == 401
    assert "revoked" in revoked_access.json()["detail"]
    assert "revoked" in revoked_refresh.json()["detail"]
    assert kept_access.status_code == kept_refresh.status_code == 200
    assert reuse.status_code == 401
    assert "already used" in reuse.json()["detail"]


# --- several workers -------------------------------------------------------------------------

# Each check goes over a fresh connection, and the test finds which worker accepted it by looking
# up which process holds the server end of that connection (/proc/net/tcp + /proc/PID/fd). That
# proves both workers answered, instead of hoping the kernel spread the connections.
MAX_ROUNDS = 150


def shared_store(kind: str, tmp_path: Path, redis_url: str | None) -> str:
    return redis_url if kind == "redis" and redis_url else f"sqlite:///{tmp_path}/shared.db"


@pytest.mark.parametrize("store", ["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def test_a_logout_is_honoured_by_every_worker(
    store: str, start_server: StartServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    redis_url = request.getfixturevalue("redis_url") if store == "redis" else None
    server = start_server(
        {
            "DUALTOKEN_STORE": shared_store(store, tmp_path, redis_url),
            "DUALTOKEN_TEST_CLOCK": "1",
            "DUALTOKEN_REFRESH_RATE_LIMIT": "0",  # each worker would count on its own
        },
        workers=2,
    )
    revoked, control = log_in(server.base_url), log_in(server.base_url)
    logout = httpx.post(
        f"{server.base_url}/logout",
        headers=bearer(revoked["access_token"]),
        json={"refresh_token": revoked["refresh_token"]},
    )
    assert logout.status_code == 200
    moved = httpx.post(f"{server.base_url}/__test__/clock", json={"advance": 100})
    assert moved.status_code == 200

    checks = {
        "revoked access": build_request(
            "GET", "/protected", headers=bearer(revoked["access_token"])
        ),
        "revoked refresh": build_request(
            "POST", "/refresh", json_body={"refresh_token": revoked["refresh_token"]}
        ),
        "control access": build_request(
            "GET", "/protected", headers=bearer(control["access_token"])
        ),
        "clock": build_request("GET", "/__test__/clock"),
    }
    served: dict[str, Counter[int]] = {name: Counter() for name in checks}
    for _ in range(MAX_ROUNDS):
        for name, raw_request in checks.items():
            response, pid = exchange_with_server_pid(server, raw_request)
            assert_check(name, response, pid)
            served[name][pid] += 1
        if all(len(pids) == 2 for pids in served.values()):
            break
    assert {name: len(pids) for name, pids in served.items()} == dict.fromkeys(checks, 2), served


def assert_check(name: str, response: RawResponse, pid: int) -> None:
    where = f"{name} answered by worker {pid}: {response.status} {response.body!r}"
    if name.startswith("revoked"):
        assert response.status == 401, where
        assert "revoked" in response.json()["detail"], where
    elif name == "control access":
        assert response.status == 200, where
    else:  # the clock offset lives in the shared store, so every worker is 100 s ahead
        assert abs(response.json()["now"] - time.time() - 100) < 5, where


# --- transport-level abuse -------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_server() -> Iterator[ServerProcess]:
    """One server with the default settings (dev mode aside) for the read-only checks below."""
    server = start_reference_server({"DUALTOKEN_STORE": "memory://"})
    yield server
    server.stop()
    print(server.log())


def test_test_hooks_are_404_by_default(default_server: ServerProcess) -> None:
    url = default_server.base_url
    assert httpx.get(f"{url}/__test__/clock").status_code == 404
    assert httpx.post(f"{url}/__test__/clock", json={"advance": 10}).status_code == 404
    assert httpx.delete(f"{url}/__test__/users/user1").status_code == 404
    login = httpx.post(f"{url}/login", json={"username": "user1", "password": "password123"})
    assert login.status_code == 200  # the DELETE above deleted nothing


def test_token_responses_carry_no_store_over_http(default_server: ServerProcess) -> None:
    url = default_server.base_url
    login = httpx.post(f"{url}/login", json={"username": "user1", "password": "password123"})
    refresh = httpx.post(f"{url}/refresh", json={"refresh_token": login.json()["refresh_token"]})
    assert login.headers["cache-control"] == refresh.headers["cache-control"] == "no-store"


HOSTILE_BYTES = {
    "auth invalid utf-8": build_request(
        "GET", "/protected", headers=[(b"Authorization", b"Bearer \xc3\xa9\xff")]
    ),
    "auth cyrillic": build_request(
        "GET", "/protected", headers=[(b"Authorization", "Bearer ключ".encode())]
    ),
    "auth bearer only": build_request("GET", "/protected", headers=[(b"Authorization", b"Bearer")]),
    "auth 50 kB token": build_request(
        "GET", "/protected", headers=[(b"Authorization", b"Bearer " + b"a" * 50_000)]
    ),
    "200 kB header": build_request("GET", "/public", headers=[(b"X-Padding", b"p" * 200_000)]),
    "body invalid utf-8": build_request(
        "POST",
        "/login",
        headers=[(b"Content-Type", b"application/json")],
        body=b'{"username": "\xff\xfe", "password": "x"}',
    ),
    "100 kB body": build_request(
        "POST", "/refresh", headers=[(b"Content-Type", b"application/json")], body=b"x" * 100_000
    ),
    "negative content-length": b"GET /public HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "bad chunk size": (
        b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
    ),
    "no request line": b"GARBAGE\r\n\r\n",
    "non-ascii path": b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
}


@pytest.mark.parametrize("name", HOSTILE_BYTES)
def test_hostile_bytes_get_a_4xx_or_a_closed_connection(
    default_server: ServerProcess, name: str
) -> None:
    try:
        response = exchange(default_server.port, HOSTILE_BYTES[name])
    except ConnectionError:
        response = None  # h11 may drop a connection it cannot parse: a refusal too
    if response is not None:
        assert 400 <= response.status < 500, response
    assert httpx.get(f"{default_server.base_url}/healthz").status_code == 200


def test_many_small_headers_are_no_problem(default_server: ServerProcess) -> None:
    headers = [(f"X-H{n}".encode(), b"v") for n in range(2000)]
    response = exchange(default_server.port, build_request("GET", "/public", headers=headers))
    assert response.status == 200
