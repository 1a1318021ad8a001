"""Browser tests: the Vue client in real Chromium against the real reference server."""
