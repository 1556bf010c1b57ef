"""Put the pieces together: which resources to watch (config + discovery) and a digest
builder the scheduler, ``/aiops capacity`` and ``aiops digest`` call.

Discovery runs on the source named ``default`` only: the same series served by two backends
(CloudWatch and Prometheus in the sandbox) would otherwise be watched twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.capacity.config import CapacityConfig
from bot.capacity.discovery import discover, merge
from bot.capacity.models import CapacityDigest, ResourceKind, WatchedResource
from bot.capacity.service import build_digest
from bot.clock import Clock
from integrations.metrics.models import MetricRef, MetricSource

DISCOVERY_SOURCE = "default"


@dataclass
class CapacityPlan:
    config: CapacityConfig
    sources: Mapping[str, MetricSource]
    limits: dict[str, dict[str, float]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    jobs: int = 1

    def resources(self) -> list[WatchedResource]:
        configured = self.config.watched()
        found: list[WatchedResource] = []
        source = self.sources.get(DISCOVERY_SOURCE)
        if self.config.discovery and source is not None:
            d = self.config.defaults
            template = WatchedResource(
                name="",
                kind=ResourceKind.DISK,
                ref=MetricRef("", ""),
                thresholds=tuple(d.thresholds),
                warning_at=d.warning_at,
                critical_at=d.critical_at,
                step_seconds=d.step,
            )
            limits = {**self.limits}
            for metric, per_id in self.config.limits.items():
                limits[metric] = {**limits.get(metric, {}), **per_id}
            found = discover(
                source,
                source_name=DISCOVERY_SOURCE,
                limits=limits,
                aliases=self.aliases,
                template=template,
            )
        return merge(configured, found)

    def builder(self, clock: Clock) -> Callable[[], CapacityDigest]:
        def build() -> CapacityDigest:
            return build_digest(self.resources(), self.sources, clock.now(), jobs=self.jobs)

        return build
