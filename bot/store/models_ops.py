"""Tables for acting and telling: remediation, approvals, escalation, notification, audit, jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import _json, _now_ts, _ts


class RemediationRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=255)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    investigation_id: int | None = Field(default=None, foreign_key="investigation.id")
    action: str = Field(max_length=64)
    params: dict[str, Any] = _json()
    risk: str = Field(default="medium", max_length=16)  # read | low | medium | high
    rationale: str = Field(default="", sa_column=Column(Text, nullable=False))
    requested_by: str = "aiops"
    # pending → approved → preflight → running → verifying → verified | unverified |
    #   not_recovered → rolled_back | failed; also rejected, expired (a plain string: a new
    #   state needs no migration)
    state: str = Field(default="pending", max_length=16, index=True)
    required_approvals: int = 1
    created_at: datetime = _now_ts()
    expires_at: datetime | None = _ts()
    updated_at: datetime = _now_ts()
    executed_by: str | None = None  # the worker that claimed the execution
    result: dict[str, Any] = _json()
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    version: int = 0
    # the runbook repository commit a runbook.run executed (None: not a runbook, or bundled)
    runbook_commit: str | None = Field(default=None, max_length=40)


class Approval(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("request_id", "user", name="uq_approval_request_user"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="remediationrequest.id", index=True)
    user: str = Field(max_length=64)
    decision: str = Field(max_length=16)  # approve | reject
    reason: str | None = None
    decided_at: datetime = _now_ts()


class EscalationPolicy(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    levels: list[dict[str, Any]] = _json(list)  # [{delay_s, targets: [{kind, ref}]}]
    repeat: int = 0


class EscalationTimer(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("incident_id", "level", "round", name="uq_timer_incident_level_round"),
        Index("ix_timer_due", "fired_at", "cancelled_at", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")
    policy_id: int | None = Field(default=None, foreign_key="escalationpolicy.id")
    level: int
    round: int = 0
    due_at: datetime = _now_ts()
    claimed_by: str | None = None
    claimed_at: datetime | None = _ts()
    fired_at: datetime | None = _ts()
    cancelled_at: datetime | None = _ts()


class Notification(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(unique=True, max_length=255)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    channel: str = Field(max_length=32)  # slack | pagerduty | email | teams | webhook
    target: str = Field(default="", max_length=255)
    event: str = Field(default="", max_length=64)
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed | suppressed
    attempts: int = 0
    error: str | None = None
    payload: dict[str, Any] = _json()
    created_at: datetime = _now_ts()
    sent_at: datetime | None = _ts()


class Feedback(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("investigation_id", "user", "kind", name="uq_feedback_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    investigation_id: int | None = Field(default=None, foreign_key="investigation.id")
    user: str = Field(max_length=64)
    kind: str = Field(max_length=16)  # up | down | fixed
    comment: str | None = None
    at: datetime = _now_ts()


class SimilarityDoc(SQLModel, table=True):
    """What similar-incident retrieval (``bot.history``) reads of one investigated incident: the
    terms of its latest investigation and the cause it concluded. One row per incident."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", unique=True)
    investigation_id: int | None = Field(default=None, foreign_key="investigation.id")
    kind: str = Field(default="", max_length=64)  # the top hypothesis' root-cause kind
    platform: str = Field(default="", max_length=32)  # where its service runs (k8s_deployment…)
    service: str | None = Field(default=None, max_length=255)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    terms: str = Field(default="", sa_column=Column(Text, nullable=False))  # space-separated
    updated_at: datetime = _now_ts(index=True)


class AuditEntry(SQLModel, table=True):
    """Append-only; each row carries the hash of the previous one (tamper-evident chain)."""

    __table_args__ = (UniqueConstraint("prev_hash", name="uq_audit_prev_hash"),)  # no forks

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _now_ts(index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    target: str = Field(default="", max_length=255)
    params: dict[str, Any] = _json()
    before: dict[str, Any] = _json()
    after: dict[str, Any] = _json()
    result: str = Field(default="", max_length=32)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(unique=True, max_length=64)


class Job(SQLModel, table=True):
    """Slow work: a row first, then a worker claims it (lease) and runs it; restarts resume."""

    __table_args__ = (UniqueConstraint("kind", "key", name="uq_job_kind_key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # investigate | remediate | post | digest …
    key: str = Field(max_length=255)
    state: str = Field(default="queued", max_length=16, index=True)  # queued|running|done|failed
    payload: dict[str, Any] = _json()
    attempts: int = 0
    claimed_by: str | None = None
    lease_until: datetime | None = _ts()
    error: str | None = None
    created_at: datetime = _now_ts()
    updated_at: datetime = _now_ts()


class Receipt(SQLModel, table=True):
    """A processed delivery (Slack envelope, click, webhook id): a second one is a duplicate."""

    key: str = Field(primary_key=True, max_length=255)
    at: datetime = _now_ts()


class ComplianceRun(SQLModel, table=True):
    """One evaluation of the compliance rules: the score and, per rule, how many resources
    failed, so the next run can say what changed."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _now_ts()
    score: float
    checks: int
    failures: int
    by_rule: dict[str, Any] = _json()  # rule id -> failing resource ids


class AutoInvestigation(SQLModel, table=True):
    """The claim of an incident's automatic investigation: one row per incident, taken again only
    after the policy's cooldown (a conditional update), so restarts and replicas run it once."""

    incident_id: int = Field(primary_key=True, foreign_key="incident.id")
    policy: str = Field(max_length=64)
    claimed_at: datetime = _now_ts()
    claimed_by: str = Field(default="", max_length=64)
    runs: int = 1
    investigation_id: int | None = Field(default=None, foreign_key="investigation.id")
    top_line: str = Field(default="", sa_column=Column(Text, nullable=False))  # what it found


__all__ = [
    "Approval",
    "ComplianceRun",
    "AutoInvestigation",
    "AuditEntry",
    "EscalationPolicy",
    "EscalationTimer",
    "Feedback",
    "Job",
    "Notification",
    "Receipt",
    "RemediationRequest",
    "SimilarityDoc",
]
_ = (_ts,)
