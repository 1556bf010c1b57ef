"""Every table of the data model in DESIGN.md (one schema for SQLite and Postgres).

Idempotency lives in unique constraints: an alert fingerprint per source, a change per source
and external id, an approval per request and user, a notification per dedup key, a remediation
per idempotency key, a processed delivery per key, one escalation timer per incident/level/round.
Domain packages (bot/incidents, bot/ingest, …) hold the logic; these are only the rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.clock import utcnow
from bot.store.types import JSONType, UTCDateTime


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _now_ts(index: bool = False) -> Any:
    return Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=index)
    )


def _json(default: Any = dict) -> Any:
    return Field(default_factory=default, sa_column=Column(JSONType, nullable=False))


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    slack_channel: str | None = None
    pagerduty_service_id: str | None = None
    escalation_policy_id: int | None = Field(default=None, foreign_key="escalationpolicy.id")


class Member(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slack_user_id: str = Field(unique=True, max_length=64)
    name: str = ""
    email: str | None = None
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    roles: list[str] = _json(list)  # e.g. ["responder", "operator", "admin"]
    pagerduty_user_id: str | None = None


class Incident(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str
    severity: str = Field(default="warning", max_length=16)  # critical | warning | info
    status: str = Field(default="triggered", max_length=16, index=True)
    group_key: str = Field(default="", max_length=255, index=True)
    root_alert_id: int | None = None
    # why the root was elected, when the correlator could say (a detector storm's verdict)
    root_basis: str | None = Field(default=None, max_length=16)  # change | own | lead | calls
    root_confidence: float | None = None
    root_why: str | None = Field(default=None, max_length=500)
    services: list[str] = _json(list)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    escalation_policy: str | None = Field(default=None, max_length=100)  # services.yaml
    auto_investigate: str | None = Field(default=None, max_length=100)  # a policy name
    assignee: str | None = None
    slack_channel: str | None = None
    slack_ts: str | None = None
    pagerduty_dedup_key: str | None = Field(default=None, max_length=255)
    resolution_note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _now_ts(index=True)
    updated_at: datetime = _now_ts()
    last_alert_at: datetime | None = _ts()
    acknowledged_at: datetime | None = _ts()
    acknowledged_by: str | None = None
    mitigated_at: datetime | None = _ts()
    resolved_at: datetime | None = _ts()
    resolved_by: str | None = None
    version: int = 0  # bumped on every change: compare-and-set for concurrent writers


class Alert(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("source", "fingerprint", name="uq_alert_source_fp"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)  # alertmanager | pagerduty | cloudwatch | generic | aiops
    fingerprint: str = Field(max_length=128)
    name: str = Field(max_length=255)
    service: str | None = Field(default=None, max_length=255, index=True)
    severity: str = Field(default="warning", max_length=16)
    status: str = Field(default="firing", max_length=16)  # firing | resolved
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    labels: dict[str, str] = _json()
    annotations: dict[str, Any] = _json()
    external_id: str | None = Field(default=None, max_length=255)
    starts_at: datetime = _now_ts()
    ends_at: datetime | None = _ts()
    received_at: datetime = _now_ts()
    updated_at: datetime = _now_ts()
    repeat_count: int = 0
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)


class TimelineEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_timeline_incident_at", "incident_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")
    at: datetime = _now_ts()
    kind: str = Field(max_length=32)  # status | alert | change | notification | comment | action …
    actor: str | None = None
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    data: dict[str, Any] = _json()


class ChangeEvent(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_change_source_ext"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)  # github | argocd | jenkins | cloudtrail | manual
    external_id: str = Field(max_length=255)
    kind: str = Field(max_length=32)  # deployment | config | scaling | iam | infra | feature_flag
    service: str | None = Field(default=None, max_length=255, index=True)
    environment: str | None = None
    version: str | None = None
    previous: str | None = None
    actor: str | None = None
    at: datetime = _now_ts(index=True)
    detail: dict[str, Any] = _json()


class Investigation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    query: str = Field(default="", sa_column=Column(Text, nullable=False))
    incident_class: str | None = None
    status: str = Field(default="pending", max_length=16)  # pending|running|done|failed
    requested_by: str | None = None
    targets: dict[str, Any] = _json()
    steps: list[dict[str, Any]] = _json(list)  # each: name, input, output, status, duration_ms
    facts: list[dict[str, Any]] = _json(list)
    hypotheses: list[dict[str, Any]] = _json(list)
    actions: list[dict[str, Any]] = _json(list)
    # read-only steps or escalations a human should take first (issue 15: no harmful fix)
    next_steps: list[str] = _json(list)
    error: str | None = None
    created_at: datetime = _now_ts()
    started_at: datetime | None = _ts()
    finished_at: datetime | None = _ts()
