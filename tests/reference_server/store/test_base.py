"""decide_rotation: the one rotation rule every store applies."""

from __future__ import annotations

import pytest

from reference_server.store.base import Link, Rotation, decide_rotation

CURRENT = Link("current", 100, 1000)


@pytest.mark.parametrize(
    ("current", "previous", "rotated_at", "presented", "now", "grace", "expected"),
    [
        (None, None, None, "any", 100.0, 0.0, Rotation.ROTATED),
        (CURRENT, None, None, "current", 100.0, 0.0, Rotation.ROTATED),
        (CURRENT, "previous", 100.0, "previous", 100.0, 0.0, Rotation.REUSED),
        (CURRENT, "previous", 100.0, "previous", 105.0, 10.0, Rotation.GRACE_REPLAY),
        (CURRENT, "previous", 100.0, "previous", 109.999, 10.0, Rotation.GRACE_REPLAY),
        (CURRENT, "previous", 100.0, "previous", 110.0, 10.0, Rotation.REUSED),
        (CURRENT, "previous", 100.0, "older", 101.0, 10.0, Rotation.REUSED),
        (CURRENT, "previous", None, "previous", 101.0, 10.0, Rotation.REUSED),
        (CURRENT, None, None, "stranger", 101.0, 10.0, Rotation.REUSED),
    ],
)
def test_decide_rotation(
    current: Link | None,
    previous: str | None,
    rotated_at: float | None,
    presented: str,
    now: float,
    grace: float,
    expected: Rotation,
) -> None:
    outcome = decide_rotation(
        current=current,
        previous_jti=previous,
        rotated_at=rotated_at,
        presented_jti=presented,
        now=now,
        grace=grace,
    )
    assert outcome is expected
