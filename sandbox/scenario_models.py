"""The scenario format v1 (SCENARIOS.md) as strict pydantic models, without ``truth``.

The bot's code receives a :class:`Scenario`; the answer (``truth``) lives in
``sandbox/truth.py`` and only evaluation imports it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import Field, field_validator

from sandbox.scenario_resources import Aws, Kubernetes
from sandbox.scenario_types import Duration, MetricEvent, Offset, Strict, StrMap
from sandbox.timeparse import parse_offset

ServiceKind = Literal[
    "k8s_deployment",
    "ecs_service",
    "lambda",
    "ec2",
    "rds",
    "alb",
    "s3",
    "cloudfront",
    "apigw",
    "external",
]


class RunsOn(Strict):
    kind: ServiceKind
    namespace: str | None = None
    name: str


class Service(Strict):
    name: str
    tier: str | None = None
    runs_on: RunsOn
    depends_on: list[str] = Field(default_factory=list)


class Metric(Strict):
    id: str
    namespace: str
    name: str
    dimensions: StrMap = Field(default_factory=dict)
    stat: str = "Average"
    unit: str = "None"
    service: str | None = None
    step: Duration = timedelta(seconds=60)
    from_: Offset = Field(default=timedelta(hours=-6), alias="from")
    baseline: float = 0.0
    noise: float = Field(default=0.0, ge=0)
    daily: float = 0.0
    trend: float = 0.0
    events: list[MetricEvent] = Field(default_factory=list)
    values: list[float] | None = None
    seed: int | None = None

    @field_validator("step")
    @classmethod
    def _positive_step(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("step must be positive")
        return value


class LogLine(Strict):
    at: Offset
    level: str = "INFO"
    text: str
    repeat: int = Field(default=1, ge=1)
    every: Duration | None = None


class LogSource(Strict):
    source: str = Field(pattern=r"^(k8s|cloudwatch|file|loki):.+")
    lines: list[LogLine] = Field(default_factory=list)


ChangeKind = Literal["deployment", "config", "scaling", "iam", "infra", "feature_flag"]
ChangeSource = Literal["github", "argocd", "jenkins", "cloudtrail", "manual"]


class Change(Strict):
    at: Offset
    kind: ChangeKind
    service: str | None = None
    source: ChangeSource
    version: str | None = None
    previous: str | None = None
    actor: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class Alert(Strict):
    id: str
    at: Offset
    format: Literal["alertmanager", "pagerduty", "cloudwatch_sns", "generic"]
    status: Literal["firing", "resolved"] = "firing"
    name: str
    severity: Literal["critical", "warning", "info"]
    service: str | None = None
    labels: StrMap = Field(default_factory=dict)
    summary: str = ""
    metric: str | None = None


class Effect(Strict):
    metric: str
    to: float
    after: Duration = timedelta(0)


class RemediationEffect(Strict):
    action: str
    params: dict[str, Any] = Field(default_factory=dict)
    effects: list[Effect] = Field(default_factory=list)


class Scenario(Strict):
    version: Literal[1]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    summary: str | None = None
    now: datetime
    region: str = "us-east-1"
    services: list[Service] = Field(min_length=1)
    aws: Aws = Field(default_factory=Aws)
    kubernetes: Kubernetes | None = None
    metrics: list[Metric] = Field(default_factory=list)
    logs: list[LogSource] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    alerts: list[Alert]
    remediation_effects: list[RemediationEffect] = Field(default_factory=list)

    @field_validator("now")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def at(self, offset: timedelta | str | int) -> datetime:
        """The absolute time of an offset from ``now`` (``scenario.at("-45m")``)."""
        delta = offset if isinstance(offset, timedelta) else parse_offset(offset)
        return self.now + delta

    def metric(self, metric_id: str) -> Metric:
        for metric in self.metrics:
            if metric.id == metric_id:
                return metric
        raise KeyError(metric_id)
