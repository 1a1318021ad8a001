"""A minimal flask-jwt-extended API, as that library's documentation builds one.

From flask-jwt-extended 4.7's docs: "Basic Usage" (login creating tokens, `@jwt_required()`),
"Refreshing Tokens" / "Explicit Refreshing With Refresh Tokens" (`@jwt_required(refresh=True)`,
the refresh token sent as `Authorization: Bearer`, answering a new access token only) and
"Blocklist and Token Revoking" (`@jwt.token_in_blocklist_loader`, a DELETE /logout with
`@jwt_required(verify_type=False)` that revokes the token it is called with, so a full logout is
one call with the access token and one with the refresh token), and "Automatic User Loading"
(`@jwt.user_lookup_loader`, so a token for a user that is gone is refused). Everything else is the
library's
defaults: HS256, 15-minute access and 30-day refresh tokens, no leeway, 401/422 error answers.
The secret comes from JWT_SECRET_KEY, as the docs advise, not the docs' "super-secret".
"""

from __future__ import annotations

import hmac
import os

from flask import Flask, Response, jsonify, request
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    get_jwt,
    get_jwt_identity,
    jwt_required,
)

__all__ = ["PASSWORD", "USERNAME", "create_app"]

USERNAME = "user1"
PASSWORD = "password123"


def create_app(secret: str) -> Flask:
    app = Flask(__name__)
    app.config["JWT_SECRET_KEY"] = secret
    jwt = JWTManager(app)
    # The docs keep revoked jti values in Redis or a database; a set is that store in one process.
    blocklist: set[str] = set()

    @jwt.user_lookup_loader
    def user_lookup_callback(_header: dict[str, object], payload: dict[str, object]) -> str | None:
        # None makes the library answer its user_lookup_error (401).
        return USERNAME if payload["sub"] == USERNAME else None

    @jwt.token_in_blocklist_loader
    def check_if_token_revoked(_header: dict[str, object], payload: dict[str, object]) -> bool:
        return payload["jti"] in blocklist

    @app.post("/login")
    def login() -> Response | tuple[Response, int]:
        # The docs' `request.json.get(...)` answers 500 to a JSON body that is not an object;
        # that is the docs' app code, not the library, so it is guarded here.
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            body = {}
        username = body.get("username")
        password = body.get("password")
        if username != USERNAME or not isinstance(password, str):
            return jsonify({"msg": "Bad username or password"}), 401
        if not hmac.compare_digest(password.encode(), PASSWORD.encode()):
            return jsonify({"msg": "Bad username or password"}), 401
        return jsonify(
            access_token=create_access_token(identity=username),
            refresh_token=create_refresh_token(identity=username),
        )

    @app.post("/refresh")
    @jwt_required(refresh=True)
    def refresh() -> Response:
        return jsonify(access_token=create_access_token(identity=get_jwt_identity()))

    @app.delete("/logout")
    @jwt_required(verify_type=False)
    def logout() -> Response:
        token = get_jwt()
        blocklist.add(token["jti"])
        return jsonify(msg=f"{token['type'].capitalize()} token successfully revoked")

    @app.get("/protected")
    @jwt_required()
    def protected() -> Response:
        return jsonify(logged_in_as=get_jwt_identity())

    @app.get("/public")
    def public() -> Response:
        return jsonify(msg="public")

    return app


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.targets.flask_jwt_extended")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    secret = os.environ.get("JWT_SECRET_KEY", "")
    if len(secret) < 32:
        raise SystemExit("JWT_SECRET_KEY: set a secret of at least 32 bytes")
    # Flask's own server, threaded, as `flask run` serves the docs' examples.
    create_app(secret).run(host="127.0.0.1", port=args.port, threaded=True)
