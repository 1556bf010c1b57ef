"""The metric-source interface and its typed query and result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


class MetricSourceError(Exception):
    """A metric query failed; the message is safe to show."""


class BadMetricQuery(MetricSourceError):
    """The query is malformed (bad selector, start after end, zero step)."""


class MetricSourceUnavailable(MetricSourceError):
    """The backend did not answer, or refused the query."""


@dataclass(frozen=True)
class MetricRef:
    """Which series to read, named the CloudWatch way (namespace, name, dimensions, stat).

    ``service`` is informational (Prometheus carries it as a label). ``promql`` overrides the
    selector the Prometheus backend derives from the rest (e.g. a recording rule).
    """

    namespace: str
    name: str
    dimensions: dict[str, str] = field(default_factory=dict)
    stat: str = "Average"
    service: str | None = None
    promql: str | None = None

    @property
    def key(self) -> str:
        dims = ",".join(f"{k}={v}" for k, v in sorted(self.dimensions.items()))
        return f"{self.namespace}/{self.name}{{{dims}}}:{self.stat}"


@dataclass(frozen=True)
class MetricInfo:
    """A series that exists in the backend (discovery)."""

    ref: MetricRef
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricData:
    ref: MetricRef
    timestamps: list[datetime]  # aware UTC, oldest first
    values: list[float]

    def __post_init__(self) -> None:
        if len(self.timestamps) != len(self.values):
            raise ValueError("timestamps and values differ in length")

    def __len__(self) -> int:
        return len(self.values)

    @property
    def last(self) -> float | None:
        return self.values[-1] if self.values else None


def check_range(start: datetime, end: datetime, step_seconds: int) -> None:
    if step_seconds <= 0:
        raise BadMetricQuery(f"step must be positive, got {step_seconds}")
    if aware(start) > aware(end):
        raise BadMetricQuery("start is after end")


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@runtime_checkable
class MetricSource(Protocol):
    """What the capacity, SLO and prediction code reads metrics through."""

    def read(
        self, ref: MetricRef, start: datetime, end: datetime, step_seconds: int
    ) -> MetricData: ...

    def read_many(
        self, refs: Sequence[MetricRef], start: datetime, end: datetime, step_seconds: int
    ) -> list[MetricData]: ...

    def list_metrics(self, names: Sequence[str] = ()) -> list[MetricInfo]: ...
