"""The behaviour every revocation store shares; each backend's test module subclasses
`StoreContract` and provides a `store` fixture."""

from __future__ import annotations

import asyncio

import pytest

from reference_server.store import Link, Rotation, TokenStore

NOW = 1_893_456_000.0
DAY = 86_400


def link(jti: str, iat: float = NOW) -> Link:
    return Link(jti, int(iat), int(iat) + 7 * DAY)


@pytest.mark.anyio
class StoreContract:
    async def test_a_revoked_key_is_reported_and_no_other(self, store: TokenStore) -> None:
        await store.revoke("jti:a", until=NOW + 900, now=NOW)
        assert await store.any_revoked(["jti:a"])
        assert not await store.any_revoked(["jti:b"])

    async def test_any_revoked_checks_several_keys_in_one_call(self, store: TokenStore) -> None:
        await store.revoke("sid:s", until=NOW + DAY, now=NOW)
        assert await store.any_revoked(["jti:x", "sid:s"])
        assert not await store.any_revoked(["jti:x", "sid:t"])

    async def test_rotation_makes_the_successor_current(self, store: TokenStore) -> None:
        await store.begin_session("s", link("r0"))
        first = await store.rotate("s", "r0", link("r1"), now=NOW, grace=0)
        second = await store.rotate("s", "r1", link("r2", NOW + 1), now=NOW + 1, grace=0)
        assert first.outcome is Rotation.ROTATED
        assert first.current == link("r1")
        assert second.outcome is Rotation.ROTATED
        assert second.current == link("r2", NOW + 1)

    async def test_a_retired_token_is_reuse_and_changes_nothing(self, store: TokenStore) -> None:
        await store.begin_session("s", link("r0"))
        await store.rotate("s", "r0", link("r1"), now=NOW, grace=0)
        reuse = await store.rotate("s", "r0", link("rx"), now=NOW + 1, grace=0)
        onward = await store.rotate("s", "r1", link("r2"), now=NOW + 2, grace=0)
        assert reuse.outcome is Rotation.REUSED
        assert reuse.current == link("r1")
        assert onward.outcome is Rotation.ROTATED

    async def test_the_grace_window_covers_the_predecessor_only_inside_it(
        self, store: TokenStore
    ) -> None:
        await store.begin_session("s", link("r0"))
        await store.rotate("s", "r0", link("r1"), now=NOW, grace=10)
        inside = await store.rotate("s", "r0", link("rx"), now=NOW + 9.5, grace=10)
        at_end = await store.rotate("s", "r0", link("ry"), now=NOW + 10, grace=10)
        assert inside.outcome is Rotation.GRACE_REPLAY
        assert inside.current == link("r1")  # the same current token, nothing new minted
        assert at_end.outcome is Rotation.REUSED
        await store.rotate("s", "r1", link("r2"), now=NOW + 11, grace=10)
        older = await store.rotate("s", "r0", link("rz"), now=NOW + 11.5, grace=10)
        assert older.outcome is Rotation.REUSED
        assert older.current == link("r2")

    async def test_a_session_without_bookkeeping_accepts_its_token(self, store: TokenStore) -> None:
        # Rotation switched on after the token was issued: the presented token counts as current.
        verdict = await store.rotate("unknown", "r0", link("r1"), now=NOW, grace=0)
        reuse = await store.rotate("unknown", "r0", link("r2"), now=NOW, grace=0)
        assert verdict.outcome is Rotation.ROTATED
        assert reuse.outcome is Rotation.REUSED

    async def test_concurrent_rotations_of_one_token_have_one_winner(
        self, store: TokenStore
    ) -> None:
        await store.begin_session("s", link("r0"))
        verdicts = await asyncio.gather(
            *(store.rotate("s", "r0", link(f"r1-{n}"), now=NOW, grace=0) for n in range(20))
        )
        winners = [v for v in verdicts if v.outcome is Rotation.ROTATED]
        assert len(winners) == 1
        assert all(v.current == winners[0].current for v in verdicts)

    async def test_the_clock_offset_starts_at_zero_and_is_kept(self, store: TokenStore) -> None:
        assert await store.get_clock_offset() == 0.0
        await store.set_clock_offset(3600.5)
        assert await store.get_clock_offset() == 3600.5
        await store.set_clock_offset(-10.0)
        assert await store.get_clock_offset() == -10.0

    async def test_size_counts_revocations_and_sessions(self, store: TokenStore) -> None:
        assert await store.size() == 0
        await store.revoke("jti:a", until=NOW + 900, now=NOW)
        await store.revoke("sid:b", until=NOW + DAY, now=NOW)
        await store.begin_session("s", link("r0"))
        assert await store.size() == 3


@pytest.mark.anyio
class PurgingStoreContract(StoreContract):
    """Stores that sweep out dead entries themselves (Redis expires them instead)."""

    async def test_purge_drops_only_what_can_no_longer_matter(self, store: TokenStore) -> None:
        await store.revoke("jti:dead", until=NOW - 1, now=NOW - 2)
        await store.revoke("jti:live", until=NOW + 900, now=NOW - 2)
        await store.begin_session("dead", Link("r0", int(NOW) - DAY, int(NOW) - 1))
        await store.begin_session("live", link("r1"))
        assert await store.purge(NOW) == 2
        assert not await store.any_revoked(["jti:dead"])
        assert await store.any_revoked(["jti:live"])
        assert await store.rotate("live", "r1", link("r2"), now=NOW, grace=0)
        assert await store.size() == 2

    async def test_a_later_revocation_of_a_key_never_shortens_it(self, store: TokenStore) -> None:
        await store.revoke("sid:s", until=NOW + 100, now=NOW)
        await store.revoke("sid:s", until=NOW + 50, now=NOW)
        await store.purge(NOW + 75)
        assert await store.any_revoked(["sid:s"])

    async def test_revoking_keeps_the_store_bounded(self, store: TokenStore) -> None:
        # A day of traffic: every minute 5 logouts (access tokens of 15 min) and 5 new sessions
        # (1 h). Without purging the store would hold 14 400 entries.
        for minute in range(24 * 60):
            now = NOW + 60 * minute
            for n in range(5):
                await store.begin_session(
                    f"s{minute}-{n}", Link(f"r{minute}-{n}", int(now), int(now) + 3600)
                )
                await store.revoke(f"jti:{minute}-{n}", until=now + 900, now=now)
        assert await store.size() <= 5 * (15 + 60 + 2) + 10
