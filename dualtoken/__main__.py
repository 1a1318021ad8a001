"""`python -m dualtoken`: the same as the `dualtoken` console script."""

from __future__ import annotations

from dualtoken.cli import main

raise SystemExit(main())
