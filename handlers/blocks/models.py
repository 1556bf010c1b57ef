"""View models: the plain, typed inputs of the block builders (never database rows).

Service adapters map domain objects to these; the builders in this package turn them into
``slack_sdk.models.blocks`` objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ChangeView:
    """A deploy / config change / scaling event near the incident."""

    summary: str
    kind: str = "deploy"
    at: datetime | None = None
    url: str | None = None


@dataclass(frozen=True)
class IncidentCard:
    """An incident as its Slack message shows it (built from ``bot.incidents`` views)."""

    id: int
    title: str
    severity: str
    status: str
    root_cause_alert: str | None = None
    root_reason: str | None = None  # why that alert is the root (a storm verdict), if known
    services: Sequence[str] = ()
    related_changes: Sequence[ChangeView] = ()
    alert_count: int = 0
    started_at: datetime | None = None
    assignee: str | None = None  # Slack user id
    permalink: str | None = None
    auto_investigated: str | None = None  # "Investigated automatically (policy …): <top line>"


@dataclass(frozen=True)
class HypothesisView:
    text: str
    confidence: float  # 0..1
    evidence: Sequence[str] = ()
    kind: str | None = None  # when set, the hypothesis gets a right / wrong cause overflow


@dataclass(frozen=True)
class FixOption:
    """One choice of "what fixed it" in the resolve modal (``action:<name>``/``runbook:<name>``)."""

    value: str
    label: str


@dataclass(frozen=True)
class ActionView:
    """A proposed remediation awaiting a decision (one Approve / Reject pair)."""

    request_id: str
    title: str
    risk: str
    params: Mapping[str, str] = field(default_factory=dict)
    status: str = "pending"
    history: str | None = None  # "fixed 3 of 4 similar incidents, last #12 on …"


@dataclass(frozen=True)
class SimilarView:
    """A past incident like this one: its cause, what fixed it, a link to its thread."""

    incident_id: int
    title: str
    cause: str  # "oom_killed on checkout: …" ("" when its investigation found none)
    fixed_by: Sequence[str] = ()
    did_not_fix: Sequence[str] = ()
    link: str | None = None  # the permalink of the incident's Slack thread
    at: datetime | None = None


@dataclass(frozen=True)
class InvestigationView:
    query: str
    facts: Sequence[str] = ()
    hypotheses: Sequence[HypothesisView] = ()
    actions: Sequence[ActionView] = ()
    summary: str | None = None
    incident_id: int | None = None
    investigation_id: str | None = None
    similar: Sequence[SimilarView] = ()
    next_steps: Sequence[str] = ()  # read-only steps / escalations, shown before any action


@dataclass(frozen=True)
class ApprovalView:
    request_id: str
    action: str
    risk: str
    requested_by: str  # Slack user id or a name
    params: Mapping[str, str] = field(default_factory=dict)
    reason: str | None = None
    incident_id: int | None = None
    expires_at: datetime | None = None
    approvals_needed: int = 1
    approved_by: Sequence[str] = ()
    acts_in: str | None = None  # another AWS account and region ("account staging (us-east-1)")


@dataclass(frozen=True)
class TimelineEntryView:
    at: datetime
    kind: str
    text: str
    actor: str | None = None


@dataclass(frozen=True)
class TimelineView:
    incident_id: int
    title: str
    entries: Sequence[TimelineEntryView] = ()


@dataclass(frozen=True)
class OnCallView:
    schedule: str
    user: str  # Slack user id or a name
    until: datetime | None = None


@dataclass(frozen=True)
class TeamWeekView:
    team: str
    opened: int
    mtta: timedelta | None = None
    mttr: timedelta | None = None


@dataclass(frozen=True)
class HomeView:
    open_incidents: Sequence[IncidentCard] = ()
    pending_approvals: Sequence[ApprovalView] = ()
    oncall: Sequence[OnCallView] = ()
    teams: Sequence[str] = ()  # whose incidents, approvals and rotations these are
    weeks: Sequence[TeamWeekView] = ()  # this week's MTTA / MTTR per team


@dataclass(frozen=True)
class UsageLine:
    usage: str
    summary: str
