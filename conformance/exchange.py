"""One recorded request/response pair, and the `curl` command that replays the request."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Exchange", "Redact", "preview", "shell_word"]

# What reports pass to keep secrets out (conformance.redaction.Redactor); identity by default.
Redact = Callable[[str], str]


def _as_is(text: str) -> str:
    return text


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
    # The request-target as sent, when a case gave one that `url` cannot express (e.g. "*").
    request_target: str = ""
    # Why the request went out a second time on a new connection (empty when it did not).
    retried: str = ""

    def curl(self, redact: Redact = _as_is) -> str:
        """A shell command that sends the same request (big bodies are regenerated, not pasted);
        `redact` shortens the tokens and secrets in it."""
        parts = ["curl", "-sS", "-i", "-X", shell_word(self.method.encode("utf-8"))]
        if self.request_target:
            parts += ["--request-target", shell_word(self.request_target.encode("latin-1"))]
        parts.append(shlex.quote(redact(self.url)))
        for name, value in self.request_headers:
            if name.lower() in {"host", "content-length", "accept-encoding", "connection"}:
                continue
            header = redact(f"{name}: {_short(value)}")
            parts += ["-H", shell_word(header.encode("latin-1", "replace"))]
        body = self.request_body
        if len(body) <= PREVIEW_LIMIT:
            body = redact(body.decode("latin-1")).encode("latin-1", "replace")
        if body:
            if len(body) > PREVIEW_LIMIT:
                first = body[:1].decode("latin-1")
                if body == body[:1] * len(body):
                    # A repeated byte: rebuild it instead of pasting megabytes.
                    return (
                        f"head -c {len(body)} /dev/zero | tr '\\0' {shlex.quote(first)} | "
                        + " ".join([*parts, "--data-binary", "@-"])
                    )
                parts += ["--data-binary", shlex.quote(redact(preview(body)))]
            elif b"\0" in body:
                # No shell word holds a NUL byte: let printf write the body into curl's stdin.
                return f"printf {_printf_format(body)} | " + " ".join(
                    [*parts, "--data-binary", "@-"]
                )
            else:
                parts += ["--data-binary", shell_word(body)]
        return " ".join(parts)

    def to_json(self, redact: Redact = _as_is) -> dict[str, Any]:
        return {
            "request": {
                "method": self.method,
                "url": redact(self.url),
                "request_target": redact(self.request_target),
                "headers": [[name, redact(_short(value))] for name, value in self.request_headers],
                "body": redact(preview(self.request_body)),
            },
            "response": None
            if self.status is None
            else {
                "status": self.status,
                "headers": [[name, redact(_short(value))] for name, value in self.response_headers],
                "body": redact(preview(self.response_body)),
            },
            "elapsed_ms": round(self.elapsed_ms, 2),
            "error": redact(self.error),
            "retried": self.retried,
            "curl": self.curl(redact),
        }


def shell_word(data: bytes) -> str:
    """`data` as one bash word that stands for exactly these bytes: plain quoting for text,
    $'...' with \\xNN escapes when there are raw or control bytes (no NUL: see curl)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if (
        text is not None
        and all(char in "\t\n" or char >= " " for char in text)
        and ("\x7f" not in text)
    ):
        return shlex.quote(text)
    return "$'" + "".join(_escaped(byte) for byte in data) + "'"


def _escaped(byte: int) -> str:
    char = chr(byte)
    if 0x20 <= byte < 0x7F and char not in "\\'":
        return char
    return f"\\x{byte:02x}"


def _printf_format(data: bytes) -> str:
    """A printf format (single-quoted) that prints exactly `data`."""
    return "'" + "".join("%%" if byte == 0x25 else _escaped(byte) for byte in data) + "'"


def _short(value: str) -> str:
    return value if len(value) <= PREVIEW_LIMIT else _huge_value_note(value)


def _huge_value_note(value: str) -> str:
    return f"{value[:64]}… [{len(value)} characters in all]"
