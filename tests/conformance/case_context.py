"""Run one case's code against an in-process ASGI app, with the context the runner would give it
(no login pool): for tests of a single case or of CaseContext's request helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from conformance.context import CaseContext
from conformance.forge import Forger
from conformance.pacing import Pacer
from conformance.profile import Profile
from conformance.target import Target
from conformance.timecontrol import make_time_control

# The least a profile needs; the base URL is replaced by the in-process app.
MINIMAL_PROFILE = """
[target]
base_url = "http://127.0.0.1:9"
[credentials]
username = "u"
password = "p"
[paths]
protected = ["/me"]
"""

T = TypeVar("T")


async def with_case_context(
    profile: Profile, app: Any, use: Callable[[CaseContext], Awaitable[T]]
) -> T:
    async with Target(profile.with_base_url(""), app=app) as target:
        clock = make_time_control(profile, target)
        pacer = Pacer(profile, real_time=True)
        return await use(CaseContext(profile, target, clock, Forger(profile.signing), pacer=pacer))
