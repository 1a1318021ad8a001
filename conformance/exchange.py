"""One recorded request/response pair, and the `curl` command that replays the request."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Exchange", "preview"]

# Bodies are kept whole up to this size; bigger ones (the robustness cases send megabytes) are
# summarised, since a report that copies them would be useless and huge.
PREVIEW_LIMIT = 2048


def preview(body: bytes) -> str:
    """The body as text, cut to PREVIEW_LIMIT characters with a note of the full size."""
    text = body[:PREVIEW_LIMIT].decode("utf-8", errors="replace")
    if len(body) > PREVIEW_LIMIT:
        text += f"… [{len(body)} bytes in all]"
    return text


@dataclass
class Exchange:
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes = b""
    status: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    elapsed_ms: float = 0.0
    error: str = ""
    # Why the request went out a second time on a new connection (empty when it did not).
    retried: str = ""

    def curl(self) -> str:
        """A shell command that sends the same request (big bodies are regenerated, not pasted)."""
        parts = ["curl", "-sS", "-i", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers:
            if name.lower() in {"host", "content-length", "accept-encoding", "connection"}:
                continue
            parts += ["-H", shlex.quote(f"{name}: {_short(value)}")]
        body = self.request_body
        if body:
            if len(body) > PREVIEW_LIMIT:
                first = body[:1].decode("latin-1")
                if body == body[:1] * len(body):
                    # A repeated byte: rebuild it instead of pasting megabytes.
                    return (
                        f"head -c {len(body)} /dev/zero | tr '\\0' {shlex.quote(first)} | "
                        + " ".join([*parts, "--data-binary", "@-"])
                    )
                parts += ["--data-binary", shlex.quote(preview(body))]
            else:
                parts += ["--data-binary", shlex.quote(body.decode("utf-8", errors="replace"))]
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": [[name, _short(value)] for name, value in self.request_headers],
                "body": preview(self.request_body),
            },
            "response": None
            if self.status is None
            else {
                "status": self.status,
                "headers": [[name, _short(value)] for name, value in self.response_headers],
                "body": preview(self.response_body),
            },
            "elapsed_ms": round(self.elapsed_ms, 2),
            "error": self.error,
            "retried": self.retried,
            "curl": self.curl(),
        }


def _short(value: str) -> str:
    return value if len(value) <= PREVIEW_LIMIT else _huge_value_note(value)


def _huge_value_note(value: str) -> str:
    return f"{value[:64]}… [{len(value)} characters in all]"
