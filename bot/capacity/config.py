"""``capacity.yaml``: resources to watch, capacities for discovered series, discovery on/off.

defaults: {thresholds: [80, 90, 100], warning_at: 80, critical_at: 90, step: 1h}
discovery: true
resources:
  - name: disk on main-db
    kind: disk                     # disk | memory | cpu | connections | queue
    source: cloudwatch             # a configured metric source (default: "default")
    metric: {namespace: CWAgent, name: disk_used_percent,
             dimensions: {InstanceId: i-0abc, path: /data}, stat: Average}
    # or promql: 'node_filesystem_utilization{node="node-a"}'
    capacity: 500                  # what 100 % is (omit when the metric is a percent)
    invert: false                  # true when the metric counts what is free
limits:                            # capacities for discovered series, by metric and id
  DatabaseConnections: {main-db: 100}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from bot.capacity.models import ResourceKind, WatchedResource
from bot.configfile import StrictModel, load_model, parse_model
from bot.errors import UserError
from integrations.metrics.models import MetricRef

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_step(value: str | int) -> int:
    if isinstance(value, int):
        seconds = value
    else:
        text = str(value).strip()
        try:
            seconds = int(float(text[:-1]) * _UNITS[text[-1]]) if text[-1] in _UNITS else int(text)
        except (ValueError, IndexError):
            raise ValueError(f"not a duration: {value!r} (use 60s, 5m, 1h)") from None
    if seconds <= 0:
        raise ValueError("step must be positive")
    return seconds


class MetricSpec(StrictModel):
    namespace: str = ""
    name: str = ""
    dimensions: dict[str, str] = Field(default_factory=dict)
    stat: str = "Average"


class Defaults(StrictModel):
    thresholds: list[float] = Field(default_factory=lambda: [80.0, 90.0, 100.0])
    warning_at: float = 80.0
    critical_at: float = 90.0
    step: int = 3600

    @field_validator("step", mode="before")
    @classmethod
    def _step(cls, value: Any) -> int:
        return parse_step(value)


class ResourceSpec(StrictModel):
    name: str
    kind: ResourceKind
    source: str = "default"
    metric: MetricSpec | None = None
    promql: str | None = None
    capacity: float | None = Field(default=None, gt=0)
    invert: bool = False
    thresholds: list[float] | None = None
    warning_at: float | None = None
    critical_at: float | None = None
    step: int | None = None
    service: str | None = None

    @field_validator("step", mode="before")
    @classmethod
    def _step(cls, value: Any) -> int | None:
        return None if value is None else parse_step(value)


class CapacityConfig(StrictModel):
    defaults: Defaults = Field(default_factory=Defaults)
    discovery: bool = True
    resources: list[ResourceSpec] = Field(default_factory=list)
    limits: dict[str, dict[str, float]] = Field(default_factory=dict)

    def watched(self) -> list[WatchedResource]:
        d = self.defaults
        out = []
        for spec in self.resources:
            if spec.metric is None and spec.promql is None:
                raise UserError(f"capacity resource {spec.name!r}: give metric: or promql:")
            if spec.invert and spec.capacity is None:
                raise UserError(f"capacity resource {spec.name!r}: invert needs capacity")
            m = spec.metric or MetricSpec()
            ref = MetricRef(m.namespace, m.name, dict(m.dimensions), m.stat, spec.service,
                            spec.promql)  # fmt: skip
            out.append(
                WatchedResource(
                    name=spec.name,
                    kind=spec.kind,
                    ref=ref,
                    capacity=spec.capacity,
                    invert=spec.invert,
                    thresholds=tuple(spec.thresholds or d.thresholds),
                    warning_at=spec.warning_at if spec.warning_at is not None else d.warning_at,
                    critical_at=spec.critical_at if spec.critical_at is not None else d.critical_at,
                    source=spec.source,
                    step_seconds=spec.step or d.step,
                    service=spec.service,
                )
            )
        return out


EXPECTED = "a mapping with 'resources' at the top"


def parse_config(data: Any, where: str = "capacity.yaml") -> CapacityConfig:
    return parse_model(CapacityConfig, data, source=where, expected=EXPECTED)


def load_config(path: Path | None) -> CapacityConfig:
    """The file's config; no file means discovery only, with the default thresholds."""
    return load_model(
        CapacityConfig, path, what="capacity file", expected=EXPECTED,
        hint="check AIOPS_CAPACITY_FILE; examples/config/capacity.yaml is a commented example",
    )  # fmt: skip
