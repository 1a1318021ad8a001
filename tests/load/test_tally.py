"""The tally's arithmetic: what a worker drains is what the master merges, percentiles included."""

from __future__ import annotations

import json

from load.tally import Histogram, Tally


def test_drain_then_merge_keeps_every_count_and_sample() -> None:
    worker = Tally()
    worker.add(1, "single-flight", "expiry_events", 3)
    worker.add(2, "naive", "refresh_calls", 30)
    for ms in (5, 7, 250, 1234):
        worker.observe(1, "single-flight", "refresh_ms", ms)
    worker.note("false logout: refresh refused with 401")
    # Locust ships reports as msgpack: the drained form must be plain data with string keys.
    shipped = json.loads(json.dumps(worker.drain()))

    master = Tally()
    master.merge(shipped)
    master.merge(shipped)
    assert master.count("expiry_events", kind="single-flight") == 6
    assert master.count("refresh_calls", step=2) == 60
    assert master.histogram("refresh_ms").total == 8
    assert master.notes == ["false logout: refresh refused with 401"]
    assert worker.count("expiry_events") == 0  # drained


def test_percentiles_round_like_locust() -> None:
    hist = Histogram()
    for ms in range(1, 101):
        hist.add(ms)
    assert hist.percentile(0.5) == 50
    assert hist.percentile(0.95) == 95
    assert hist.percentile(1.0) == 100
    assert Histogram().percentile(0.95) is None
    big = Histogram()
    big.add(1234)
    big.add(456)
    assert sorted(big.counts) == [460, 1200]


def test_counts_filter_by_step_and_kind() -> None:
    tally = Tally()
    tally.add(1, "single-flight", "expiry_events", 10)
    tally.add(2, "single-flight", "expiry_events", 50)
    tally.add(2, "mixed", "verdicts:valid", 4)
    assert tally.count("expiry_events") == 60
    assert tally.count("expiry_events", step=2) == 50
    assert tally.count("expiry_events", kind="mixed") == 0
    assert tally.steps() == [1, 2]
    assert tally.kinds() == ["mixed", "single-flight"]
