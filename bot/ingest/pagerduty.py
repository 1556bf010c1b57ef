"""PagerDuty v3 webhook events → a typed event (alert, or ack/resolve of an incident we own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.ingest.models import AlertIn, BadPayload, fingerprint_of, parse_time, require

PAGERDUTY_KEY_LABEL = "pagerduty_incident_key"

EVENT_TYPES = {
    "incident.triggered": "firing",
    "incident.reopened": "firing",
    "incident.acknowledged": "acknowledged",
    "incident.unacknowledged": "firing",
    "incident.resolved": "resolved",
}


@dataclass(frozen=True)
class PagerDutyEvent:
    event_id: str
    event_type: str
    occurred_at: datetime | None
    incident_id: str
    incident_key: str | None
    title: str
    service: str | None
    urgency: str
    agent: str | None

    @property
    def action(self) -> str:
        return EVENT_TYPES.get(self.event_type, "ignored")

    def to_alert(self) -> AlertIn:
        status = "resolved" if self.action == "resolved" else "firing"
        labels = {"pagerduty_incident": self.incident_id}
        if self.incident_key:  # the page's dedup key: acks and notes go back to this page
            labels[PAGERDUTY_KEY_LABEL] = self.incident_key
        return AlertIn(
            source="pagerduty",
            fingerprint=self.incident_key or fingerprint_of(self.incident_id),
            name=self.title[:255],
            status=status,
            severity="critical" if self.urgency == "high" else "warning",
            service=self.service,
            summary=self.title,
            labels=labels,
            starts_at=self.occurred_at if status == "firing" else None,
            ends_at=self.occurred_at if status == "resolved" else None,
            external_id=self.incident_id,
        )


def parse_pagerduty(body: Any) -> PagerDutyEvent:
    if not isinstance(body, dict):
        raise BadPayload("expected a JSON object")
    event = require(body, "event", "", dict)
    event_type = require(event, "event_type", "event.")
    if event.get("resource_type", "incident") != "incident" or not event_type.startswith(
        "incident."
    ):
        raise BadPayload(f"unsupported PagerDuty event type {event_type!r}")
    data = require(event, "data", "event.", dict)
    service = data.get("service")
    agent = event.get("agent")
    return PagerDutyEvent(
        event_id=require(event, "id", "event."),
        event_type=event_type,
        occurred_at=parse_time(event.get("occurred_at"), "event.occurred_at"),
        incident_id=require(data, "id", "event.data."),
        incident_key=data.get("incident_key")
        if isinstance(data.get("incident_key"), str)
        else None,
        title=str(data.get("title") or "PagerDuty incident"),
        service=str(service.get("summary"))
        if isinstance(service, dict) and service.get("summary")
        else None,
        urgency=str(data.get("urgency") or "high"),
        agent=str(agent.get("summary"))
        if isinstance(agent, dict) and agent.get("summary")
        else None,
    )
