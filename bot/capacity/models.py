"""Watched resources and what the capacity assessment says about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np

from bot.forecast.models import Breach, Forecast, Series
from integrations.metrics.models import MetricRef


class ResourceKind(StrEnum):
    DISK = "disk"
    MEMORY = "memory"
    CPU = "cpu"
    CONNECTIONS = "connections"
    QUEUE = "queue"


class Status(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    HEALTHY = "healthy"


@dataclass(frozen=True)
class WatchedResource:
    """One resource to forecast, read through the metric source named ``source``.

    Values become percent of capacity: a metric already in percent has ``capacity=None``; a
    count (connections, queue depth) is divided by ``capacity``; a "free" metric
    (``FreeStorageSpace``) has ``invert=True`` and ``capacity`` = the total.
    """

    name: str
    kind: ResourceKind
    ref: MetricRef
    capacity: float | None = None
    invert: bool = False
    thresholds: tuple[float, ...] = (80.0, 90.0, 100.0)
    warning_at: float = 80.0
    critical_at: float = 90.0
    source: str = "default"
    step_seconds: int = 3600
    service: str | None = None
    origin: str = "config"  # config | discovery

    def percent(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        if self.capacity is None:
            return v
        used = self.capacity - v if self.invert else v
        return 100.0 * used / self.capacity


@dataclass(frozen=True)
class ResourceForecast:
    resource: WatchedResource
    now: datetime
    history: Series  # in percent
    short: Forecast  # 24–48 h, the model chosen per series
    long: Forecast  # 30 d
    breaches: list[Breach]
    status: Status
    level: float  # the current level (median of the last points), percent

    @property
    def attention(self) -> Breach | None:
        """The breach that sets the status: the first one at or above the critical level when
        critical, else the first within the warning window."""
        limit = 7 if self.status is Status.CRITICAL else 30
        floor = self.resource.critical_at if self.status is Status.CRITICAL else 0.0
        near = [
            b
            for b in self.breaches
            if b.threshold >= floor and b.eta - self.now <= timedelta(days=limit)
        ]
        return min(near, key=lambda b: (b.eta, -b.threshold)) if near else None

    def headline(self) -> str:
        b = self.attention
        label = self.resource.name
        if b is None:
            return f"{label} is at {self.level:.0f}%, no threshold crossing within 30 days"
        return b.describe(self.now, label)


@dataclass(frozen=True)
class Skipped:
    resource: WatchedResource
    reason: str


@dataclass
class CapacityDigest:
    generated_at: datetime
    critical: list[ResourceForecast] = field(default_factory=list)
    warning: list[ResourceForecast] = field(default_factory=list)
    healthy: list[ResourceForecast] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def attention(self) -> list[ResourceForecast]:
        return [*self.critical, *self.warning]

    @property
    def healthy_count(self) -> int:
        return len(self.healthy)

    @property
    def week_key(self) -> str:
        year, week, _ = self.generated_at.isocalendar()
        return f"{year}-W{week:02d}"
