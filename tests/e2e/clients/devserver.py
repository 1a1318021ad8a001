"""A team's dev server, as small as one gets: the client suite starts it with `[app] command`.

`python3 devserver.py --port N [--root DIR]` serves the client folder DIR (default: the current
one) on 127.0.0.1:N with a single-page app's fallback (a path that is no file gets index.html),
and writes settings from its environment into the page, the way a Vite dev server puts VITE_*
variables into the bundle:

- PLAINFETCH_API: the API's base URL (the suite's `{api_url}`);
- PLAINFETCH_PATHS: JSON, the API paths the app calls, e.g. {"login": "/auth/login"};
- PLAINFETCH_DEV_LOGIN: "user:password", for a development page /dev/login that logs in by
  itself (test credentials only: they end up in the page);
- PLAINFETCH_PROXY, PLAINFETCH_PROXY_PREFIX: forward every request whose path starts with the
  prefix (e.g. /api/v1) to the origin PLAINFETCH_PROXY (the suite's `{api_origin}`), path kept as
  it is, the way Vite's `server.proxy` does: the page calls the API at its own origin.

The standard library only, so any python3 runs it. For tests; never serve anything with it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


def page_settings() -> str:
    """The inline script that hands the page its settings (empty when none are set)."""
    settings: dict[str, object] = {}
    if os.environ.get("PLAINFETCH_API"):
        settings["api"] = os.environ["PLAINFETCH_API"]
    if os.environ.get("PLAINFETCH_PATHS"):
        settings["paths"] = json.loads(os.environ["PLAINFETCH_PATHS"])
    if os.environ.get("PLAINFETCH_DEV_LOGIN"):
        settings["devLogin"] = os.environ["PLAINFETCH_DEV_LOGIN"]
    if not settings:
        return ""
    # "<" escaped: no value can close the script element early.
    text = json.dumps(settings).replace("<", "\\u003c")
    return f"<script>window.PLAINFETCH_CONFIG = {text}</script>"


def _proxied(path: str) -> bool:
    prefix = os.environ.get("PLAINFETCH_PROXY_PREFIX", "")
    return bool(os.environ.get("PLAINFETCH_PROXY")) and bool(prefix) and path.startswith(prefix)


class SinglePageHandler(SimpleHTTPRequestHandler):
    def forward(self) -> None:
        """Send this request on to the proxy's target and its answer back, as they are."""
        target = urlsplit(os.environ["PLAINFETCH_PROXY"])
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name: value for name, value in self.headers.items() if name.lower() != "host"}
        upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
        try:
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            payload = answer.read()
            self.send_response(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        finally:
            upstream.close()

    def do_POST(self) -> None:
        if _proxied(urlsplit(self.path).path):
            self.forward()
        else:
            self.send_error(405)

    def do_GET(self) -> None:
        if _proxied(urlsplit(self.path).path):
            self.forward()
            return
        root = Path(self.directory).resolve()
        path = unquote(urlsplit(self.path).path)
        wanted = (root / path.lstrip("/")).resolve()
        inside = wanted == root or root in wanted.parents
        if inside and wanted.is_file() and wanted.name != "index.html":
            super().do_GET()
            return
        page = (root / "index.html").read_text(encoding="utf-8")
        body = page.replace("</head>", page_settings() + "</head>", 1).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args()
    handler = partial(SinglePageHandler, directory=str(args.root))
    with ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
