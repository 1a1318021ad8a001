"""`python -m e2e --client-profile theirs.toml`: the client suite (see e2e/cli.py)."""

import sys

from e2e.cli import main

sys.exit(main())
