"""Read models of an incident: what publishers, the CLI and Slack render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class AlertLine:
    id: int
    name: str
    service: str | None
    severity: str
    status: str
    summary: str
    source: str


@dataclass(frozen=True)
class ChangeLine:
    id: int
    kind: str
    service: str | None
    source: str
    version: str | None
    actor: str | None
    at: datetime
    score: float
    why: str


@dataclass(frozen=True)
class RootVerdict:
    """Why the root alert was elected, when the correlator could say (a detector storm):
    ``basis`` change | own | lead | calls, a ``confidence`` in [0, 1], and ``text``, the root
    service with its evidence in words (``bot.correlate.explain.describe``)."""

    basis: str
    confidence: float
    text: str


@dataclass(frozen=True)
class IncidentView:
    id: int
    title: str
    severity: str
    status: str
    root_alert: AlertLine | None
    services: tuple[str, ...]
    alert_count: int
    firing_count: int
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    slack_channel: str | None
    slack_ts: str | None
    changes: tuple[ChangeLine, ...] = field(default_factory=tuple)
    team: str | None = None  # the owning team's name (services.yaml), None without routing
    auto_investigate: str | None = None  # the automatic-investigation policy name routing chose
    escalation_policy: str | None = None  # the escalation policy name routing chose
    root_verdict: RootVerdict | None = None  # why the root alert was elected (storms)

    @property
    def mtta(self) -> timedelta | None:
        return self.acknowledged_at - self.created_at if self.acknowledged_at else None

    @property
    def mttr(self) -> timedelta | None:
        return self.resolved_at - self.created_at if self.resolved_at else None


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    kind: str
    actor: str | None
    text: str
