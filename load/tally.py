"""Counters and latency histograms that Locust's own stats do not keep, mergeable across workers.

Every figure is keyed by (step, kind, metric): the user count of the stepped run's current step,
the client kind ("single-flight", "naive", "tabs", "mixed") and a metric name. Workers drain
their tally into each stats report; the master merges, so figures are exact in distributed runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Histogram", "Tally"]

MAX_NOTES = 20


def _bucket(ms: float) -> int:
    # Two significant digits above 100 ms, like Locust's own rounding: small and mergeable.
    if ms < 100:
        return round(ms)
    if ms < 1000:
        return int(round(ms, -1))
    return int(round(ms, -2))


@dataclass
class Histogram:
    """Rounded milliseconds -> how many samples."""

    counts: dict[int, int] = field(default_factory=dict)

    def add(self, ms: float, n: int = 1) -> None:
        key = _bucket(ms)
        self.counts[key] = self.counts.get(key, 0) + n

    def merge(self, other: Histogram) -> None:
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percentile(self, fraction: float) -> float | None:
        """The smallest bucket at or below which `fraction` of the samples lie; None if empty."""
        total = self.total
        if total == 0:
            return None
        wanted = fraction * total
        seen = 0
        for key in sorted(self.counts):
            seen += self.counts[key]
            if seen >= wanted:
                return float(key)
        return float(max(self.counts))

    @classmethod
    def combined(cls, parts: Iterable[Histogram]) -> Histogram:
        whole = cls()
        for part in parts:
            whole.merge(part)
        return whole


Key = tuple[int, str, str]


class Tally:
    """One process's figures; `drain` + `merge` move them from a worker to the master."""

    def __init__(self) -> None:
        self.counts: defaultdict[Key, int] = defaultdict(int)
        self.latencies: defaultdict[Key, Histogram] = defaultdict(Histogram)
        self.notes: list[str] = []

    def add(self, step: int, kind: str, metric: str, n: int = 1) -> None:
        self.counts[(step, kind, metric)] += n

    def observe(self, step: int, kind: str, metric: str, ms: float) -> None:
        self.latencies[(step, kind, metric)].add(ms)

    def note(self, text: str) -> None:
        """Keep a few examples (e.g. of wrong verdicts) for the report."""
        if len(self.notes) < MAX_NOTES and text not in self.notes:
            self.notes.append(text)

    # Reading -------------------------------------------------------------------------------

    def steps(self) -> list[int]:
        keys = set(self.counts) | set(self.latencies)
        return sorted({step for step, _, _ in keys})

    def kinds(self) -> list[str]:
        keys = set(self.counts) | set(self.latencies)
        return sorted({kind for _, kind, _ in keys})

    def count(self, metric: str, *, kind: str | None = None, step: int | None = None) -> int:
        return sum(
            n
            for (s, k, m), n in self.counts.items()
            if m == metric and (kind is None or k == kind) and (step is None or s == step)
        )

    def histogram(
        self, metric: str, *, kind: str | None = None, step: int | None = None
    ) -> Histogram:
        return Histogram.combined(
            h
            for (s, k, m), h in self.latencies.items()
            if m == metric and (kind is None or k == kind) and (step is None or s == step)
        )

    def metrics_with_prefix(self, prefix: str) -> list[str]:
        return sorted({m for _, _, m in self.counts if m.startswith(prefix)})

    # Moving between processes (msgpack-friendly: string keys only) -------------------------

    def drain(self) -> dict[str, Any]:
        """Everything counted since the last drain, as plain data; the tally starts afresh."""
        data: dict[str, Any] = {
            "counts": {_join(key): n for key, n in self.counts.items()},
            "latencies": {
                _join(key): {str(ms): n for ms, n in hist.counts.items()}
                for key, hist in self.latencies.items()
            },
            "notes": list(self.notes),
        }
        self.counts.clear()
        self.latencies.clear()
        self.notes.clear()
        return data

    def merge(self, data: Mapping[str, Any]) -> None:
        for joined, n in dict(data.get("counts", {})).items():
            self.counts[_split(joined)] += int(n)
        for joined, buckets in dict(data.get("latencies", {})).items():
            hist = self.latencies[_split(joined)]
            for ms, n in dict(buckets).items():
                hist.counts[int(ms)] = hist.counts.get(int(ms), 0) + int(n)
        for text in data.get("notes", []):
            self.note(str(text))


def _join(key: Key) -> str:
    step, kind, metric = key
    return f"{step}|{kind}|{metric}"


def _split(joined: str) -> Key:
    step, kind, metric = joined.split("|", 2)
    return int(step), kind, metric
