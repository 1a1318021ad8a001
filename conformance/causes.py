"""Root causes shared by several cases: one defect, one finding (`CaseFailure(cause=...)`).

The reports group failures by these labels, so a team reads "tokens carry no jti" once with the
cases it breaks listed under it, instead of one unexplained failure per case.
"""

from __future__ import annotations

__all__ = ["NO_BEARER_CHALLENGE", "NO_NO_STORE"]

NO_NO_STORE = "answers carrying tokens have no Cache-Control: no-store"
NO_BEARER_CHALLENGE = "refusals at protected paths carry no WWW-Authenticate: Bearer challenge"
