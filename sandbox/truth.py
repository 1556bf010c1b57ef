"""The ``truth`` section of a scenario: the answer. Only evaluation imports this module."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from sandbox.scenario_types import Strict

RootCauseKind = Literal[
    "deployment_regression",
    "config_change",
    "cpu_saturation",
    "memory_leak",
    "oom_killed",
    "disk_exhaustion",
    "connection_pool_exhaustion",
    "dependency_failure",
    "crashloop_bad_config",
    "image_pull_error",
    "instance_stopped",
    "database_unavailable",
    "slow_queries",
    "lambda_timeout",
    "lambda_throttling",
    "lambda_errors",
    "ecs_task_failure",
    "scaling_limit",
    "cdn_origin_errors",
    "api_gateway_latency",
    "security_group_open",
    "public_bucket",
    "iam_risk",
    "certificate_expiry",
    "network_partition",
    "traffic_spike",
]


class RootCause(Strict):
    kind: RootCauseKind
    service: str
    change: str | None = None


class Fix(Strict):
    action: str
    params: dict[str, Any] = Field(default_factory=dict)


class TruthIncident(Strict):
    alerts: list[str] = Field(min_length=1)
    root_alert: str
    root_cause: RootCause | None = None
    fix: Fix | None = None


class Truth(Strict):
    incidents: list[TruthIncident] = Field(min_length=1)
    root_cause: RootCause | None = None
    fix: Fix | None = None

    def alert_ids(self) -> list[str]:
        return [alert for incident in self.incidents for alert in incident.alerts]
