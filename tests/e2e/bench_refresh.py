"""Benchmark: /refresh calls and settle time for a large burst of calls after expiry.

    python -m tests.e2e.bench_refresh [--sizes 100 300]

For each client and size it logs in, fires a burst with a valid token (the baseline, measured
in the same run), expires the access token, fires the same burst again, and prints the number of
/refresh calls and the expired burst's settle time as a ratio of the baseline's. Our frontend
caps a burst at 100 calls (its dashboard's limit); the plain-fetch client takes any size.
Run it on a quiet machine: the ratios, not the milliseconds, are what carries over.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import sync_playwright

from e2e.api import start_api
from e2e.driver import AppDriver, launch_chromium
from e2e.frontend_build import ensure_default_build
from e2e.profile import ClientProfile, load_client_profile

ROOT = Path(__file__).resolve().parents[2]
FRONTEND_CAP = 100


def clients() -> list[tuple[str, ClientProfile, int | None]]:
    ensure_default_build()
    return [
        ("frontend-queue", load_client_profile(ROOT / "e2e/profiles/frontend-queue.toml"), 100),
        ("frontend-promise", load_client_profile(ROOT / "e2e/profiles/frontend-promise.toml"), 100),
        (
            "plainfetch",
            load_client_profile(ROOT / "tests/e2e/clients/plainfetch/profile.toml"),
            None,
        ),
    ]


def measure(profile: ClientProfile, size: int) -> tuple[int, float, float, int]:
    """(/refresh calls, baseline ms, expired ms, calls ok after expiry) for one burst size."""
    api = start_api(
        rotation=profile.api.rotation,
        cookie=profile.api.cookie,
        static=profile.app.static,
        log_dir=Path(tempfile.mkdtemp(prefix="bench-client-")),
    )
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            app = AppDriver(browser, profile, api, api.url)
            try:
                app.log_in()
                app.fire(size, limit_ms=60_000)  # warm-up: page and connections ready
                baseline = app.fire(size, limit_ms=60_000)
                app.api.expire_access_tokens()
                mark = app.recorder.mark()
                expired = app.fire(size, limit_ms=60_000)
                app.quiet(500)
                refreshes = len(app.recorder.api_calls(profile.api.refresh_path, since=mark))
            finally:
                app.close()
                browser.close()
    finally:
        api.stop()
    return refreshes, baseline.ms, expired.ms, expired.ok or 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.bench_refresh")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300])
    args = parser.parse_args(argv)
    print(f"{'client':<18} {'N':>5} {'/refresh':>9} {'ok':>5} {'baseline ms':>12} "
          f"{'expired ms':>11} {'ratio':>6}")  # fmt: skip
    for name, profile, cap in clients():
        for size in args.sizes:
            if cap is not None and size > cap:
                continue
            refreshes, baseline_ms, expired_ms, ok = measure(profile, size)
            ratio = expired_ms / baseline_ms if baseline_ms else float("nan")
            print(f"{name:<18} {size:>5} {refreshes:>9} {ok:>5} {baseline_ms:>12.0f} "
                  f"{expired_ms:>11.0f} {ratio:>6.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
