"""Serve a built single-page app (frontend/dist) next to the API, with history-mode fallback."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """GET requests that no API route answers get a file from *dist*, else its index.html.

    Registered after the API routes, so GET /login serves the login page while POST /login
    still logs in.
    """
    root = dist.resolve()
    index = root / "index.html"
    if not index.is_file():
        raise ValueError(
            f"DUALTOKEN_FRONTEND_DIST={dist}: no index.html there (build the frontend)"
        )

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str) -> FileResponse:
        if path.startswith("__test__"):
            raise HTTPException(404)
        candidate = (root / path).resolve()
        if candidate.is_file() and candidate.is_relative_to(root):
            return FileResponse(candidate)
        if "." in Path(path).name:
            raise HTTPException(404)  # a missing asset, not a client-side route
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
