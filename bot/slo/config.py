"""``slo.yaml``:

slos:
  - name: shop-availability
    service: shop-web
    target: 99.9                 # percent of good events (or good minutes)
    window: 30d
    sli:
      kind: availability         # good/total from two metrics (or bad/total)
      bad:   {namespace: AWS/ApplicationELB, name: HTTPCode_Target_5XX_Count, stat: Sum,
              dimensions: {LoadBalancer: app/prod/123}}
      total: {namespace: AWS/ApplicationELB, name: RequestCount, stat: Sum,
              dimensions: {LoadBalancer: app/prod/123}}
  - name: api-latency
    target: 99
    window: 28d
    sli:
      kind: latency              # a step is good when the metric is at or under threshold
      metric: {namespace: AWS/ApplicationELB, name: TargetResponseTime, stat: p99}
      threshold: 0.5
slas:                            # incident response targets; the most specific match wins
  - {severity: critical, mtta: 5m, mttr: 4h}
  - {severity: critical, team: billing, mtta: 2m, mttr: 1h}
  - {severity: warning, mtta: 30m, mttr: 1d}
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from bot.configfile import StrictModel, load_model, parse_model
from integrations.metrics.models import MetricRef

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    text = str(value).strip()
    try:
        seconds = float(text[:-1]) * _UNITS[text[-1]] if text[-1:] in _UNITS else float(text)
    except (ValueError, KeyError):
        raise ValueError(f"not a duration: {value!r} (use 30s, 5m, 4h, 30d)") from None
    if seconds <= 0:
        raise ValueError("duration must be positive")
    return timedelta(seconds=seconds)


class MetricSpec(StrictModel):
    namespace: str = ""
    name: str = ""
    dimensions: dict[str, str] = Field(default_factory=dict)
    stat: str = "Average"
    promql: str | None = None

    def ref(self) -> MetricRef:
        return MetricRef(self.namespace, self.name, dict(self.dimensions), self.stat, None,
                         self.promql)  # fmt: skip


class SliSpec(StrictModel):
    kind: Literal["availability", "latency"]
    good: MetricSpec | None = None
    bad: MetricSpec | None = None
    total: MetricSpec | None = None
    metric: MetricSpec | None = None
    threshold: float | None = None

    @model_validator(mode="after")
    def _complete(self) -> SliSpec:
        if self.kind == "availability":
            if self.total is None or (self.good is None) == (self.bad is None):
                raise ValueError("an availability SLI needs total and exactly one of good / bad")
        elif self.metric is None or self.threshold is None:
            raise ValueError("a latency SLI needs metric and threshold")
        return self


class SloSpec(StrictModel):
    name: str
    service: str | None = None
    target: float = Field(gt=0, lt=100)
    window: timedelta = timedelta(days=30)
    step: timedelta = timedelta(minutes=5)
    source: str = "default"
    sli: SliSpec

    @field_validator("window", "step", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return parse_duration(value)

    @property
    def budget(self) -> float:
        """The allowed bad fraction (0.001 for 99.9 %)."""
        return 1.0 - self.target / 100.0


class SlaSpec(StrictModel):
    severity: str | None = None
    team: str | None = None
    mtta: timedelta | None = None
    mttr: timedelta | None = None

    @field_validator("mtta", "mttr", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta | None:
        return None if value is None else parse_duration(value)


class SloConfig(StrictModel):
    slos: list[SloSpec] = Field(default_factory=list)
    slas: list[SlaSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> SloConfig:
        names = [s.name for s in self.slos]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate SLO names: {', '.join(dupes)}")
        return self


EXPECTED = "a mapping with 'slos' at the top"


def parse_config(data: Any, where: str = "slo.yaml") -> SloConfig:
    return parse_model(SloConfig, data, source=where, expected=EXPECTED)


def load_config(path: Path | None) -> SloConfig:
    return load_model(
        SloConfig, path, what="SLO file", expected=EXPECTED,
        hint="check AIOPS_SLO_FILE; examples/config/slo.yaml is a commented example",
    )  # fmt: skip
