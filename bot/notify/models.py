"""What a notification is: a target (who/where), a message (what), and how a send can fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import field_validator

from bot.configfile import FrozenModel


class TargetKind(StrEnum):
    SLACK_CHANNEL = "slack_channel"  # ref: channel id or #name
    SLACK_USER = "slack_user"  # ref: user id (a DM)
    SLACK_USERGROUP = "slack_usergroup"  # ref: user group id or @handle (mentioned in the channel)
    SLACK_THREAD = "slack_thread"  # ref: "CHANNEL/TS" (the incident's thread)
    PAGERDUTY = "pagerduty"  # the incident's PagerDuty incident (Events API v2)
    PAGERDUTY_USER = "pagerduty_user"  # ref: PagerDuty user id; the incident is assigned to them
    PAGERDUTY_SCHEDULE = "pagerduty_schedule"  # ref: schedule id; assigned to who is on call
    EMAIL = "email"  # ref: address
    TEAMS = "teams"  # ref: incoming webhook URL, or "" for the configured default
    WEBHOOK = "webhook"  # ref: URL, or "" for the configured default


CHANNEL_OF: dict[TargetKind, str] = {
    TargetKind.SLACK_CHANNEL: "slack",
    TargetKind.SLACK_USER: "slack",
    TargetKind.SLACK_USERGROUP: "slack",
    TargetKind.SLACK_THREAD: "slack",
    TargetKind.PAGERDUTY: "pagerduty",
    TargetKind.PAGERDUTY_USER: "pagerduty",
    TargetKind.PAGERDUTY_SCHEDULE: "pagerduty",
    TargetKind.EMAIL: "email",
    TargetKind.TEAMS: "teams",
    TargetKind.WEBHOOK: "webhook",
}


class Event(StrEnum):
    ALERT_RECEIVED = "alert_received"
    INCIDENT_OPENED = "incident_opened"
    ESCALATION = "escalation"
    ANALYSIS_COMPLETE = "analysis_complete"
    APPROVAL_NEEDED = "approval_needed"
    EXECUTION_FAILED = "execution_failed"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Target(FrozenModel):
    kind: TargetKind
    ref: str = ""

    @field_validator("ref")
    @classmethod
    def _ref(cls, value: str) -> str:
        return value.strip()

    @property
    def channel(self) -> str:
        return CHANNEL_OF[self.kind]

    def label(self) -> str:
        return f"{self.kind.value}:{self.ref}" if self.ref else self.kind.value


@dataclass(frozen=True)
class Message:
    """Channel-neutral content; each channel renders it its own way."""

    title: str
    text: str
    event: Event = Event.INCIDENT_OPENED
    severity: str = "warning"
    incident_id: int | None = None
    pagerduty_key: str | None = None  # the incident's Events API dedup key
    actor_email: str | None = None  # who acted (PagerDuty ``From`` on acks)
    link: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


class SendError(Exception):
    """A channel could not deliver. ``transient``: a later try may succeed (5xx, 429, network)."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Outcome:
    dedup_key: str
    target: Target
    status: str  # sent | failed | suppressed | duplicate
    attempts: int = 0
    error: str | None = None
