"""PagerDuty as a channel: page (Events API trigger, then assign for user/schedule targets),
a note on the page when an analysis completes (REST), acknowledge and resolve — always on the
incident's stable dedup key, so PagerDuty keeps one incident per aiops incident however often we
call.
"""

from __future__ import annotations

from typing import Any

from bot.notify.models import Event, Message, SendError, Target, TargetKind
from integrations import pagerduty as pd


class PagerDutyChannel:
    def __init__(
        self, events: Any, rest: Any | None = None, *, default_from: str | None = None
    ) -> None:
        self.events = events  # pdpyras EventsAPISession
        self.rest = rest  # pdpyras APISession, optional (assignment, acks as a person)
        self.default_from = default_from

    def send(self, target: Target, message: Message, dedup_key: str) -> None:
        key = message.pagerduty_key
        if not key:
            raise SendError("the incident has no PagerDuty dedup key", transient=False)
        try:
            if message.event is Event.ACKNOWLEDGED:
                self._acknowledge(key, message.actor_email)
            elif message.event is Event.RESOLVED:
                pd.resolve_event(self.events, key)
            elif message.event is Event.ANALYSIS_COMPLETE:
                self._note(key, message.text)
            else:
                self._page(target, message, key)
        except pd.PagerDutyError as exc:
            raise SendError(str(exc), transient=exc.transient) from None

    def _page(self, target: Target, message: Message, key: str) -> None:
        pd.trigger(
            self.events,
            dedup_key=key,
            summary=message.title,
            source="aiops",
            severity=message.severity,
            custom_details={"text": message.text, **message.fields},
            links=[{"href": message.link, "text": "aiops"}] if message.link else None,
        )
        if target.kind is TargetKind.PAGERDUTY:
            return
        if self.rest is None:
            raise SendError(
                "paging a PagerDuty user or schedule needs PAGERDUTY_API_TOKEN", transient=False
            )
        users = [target.ref]
        if target.kind is TargetKind.PAGERDUTY_SCHEDULE:
            users = sorted(
                {o.user.id for o in pd.list_oncalls(self.rest, schedule_ids=[target.ref])}
            )
            if not users:
                raise SendError(f"nobody is on call for schedule {target.ref}", transient=False)
        incident = pd.find_incident(self.rest, key)
        if incident is None:  # Events API is asynchronous: the incident may not exist yet
            raise SendError("PagerDuty has not opened the incident yet", transient=True)
        if set(users) - set(incident.assignees):
            pd.reassign_incident(self.rest, incident.id, users, from_email=self.default_from)

    def _note(self, key: str, text: str) -> None:
        if self.rest is None:
            raise SendError("a note on a PagerDuty page needs PAGERDUTY_API_TOKEN", transient=False)
        incident = pd.find_incident(self.rest, key)
        if incident is None:  # Events API is asynchronous: the incident may not exist yet
            raise SendError("PagerDuty has not opened the incident yet", transient=True)
        pd.add_note(self.rest, incident.id, text, from_email=self.default_from)

    def _acknowledge(self, key: str, actor_email: str | None) -> None:
        if self.rest is None:
            pd.acknowledge_event(self.events, key)
            return
        incident = pd.find_incident(self.rest, key)
        if incident is None or incident.status != "triggered":
            return  # never paged, or already acknowledged/resolved: nothing to do
        try:
            pd.acknowledge_incidents(
                self.rest, [incident.id], from_email=actor_email or self.default_from
            )
        except pd.PagerDutyError as exc:
            if exc.status != 400 or not actor_email or actor_email == self.default_from:
                raise
            # the person who acked in Slack is not a PagerDuty user: ack as the bot's user
            pd.acknowledge_incidents(self.rest, [incident.id], from_email=self.default_from)
