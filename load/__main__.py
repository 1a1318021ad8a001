"""`python -m load`: run the load scenarios and write the report (see load/cli.py)."""

from __future__ import annotations

from load.cli import main

raise SystemExit(main())
