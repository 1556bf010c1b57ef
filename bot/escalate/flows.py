"""Paging flows: what happens when an incident opens, is acknowledged or resolved, is snoozed.

``Paging`` holds the collaborators (database, notifier, the validated escalation file, clock).
Its hooks are what the incident flows call; they are idempotent (a retried call changes nothing)
and never loop with PagerDuty: an ack or resolve that *came from* PagerDuty (``source ==
"pagerduty"``) is not sent back to it. The hooks may wait on retries to PagerDuty: call them from
a job or worker thread, not inside a 3-second Slack ack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlmodel import col, select

from bot.clock import Clock
from bot.errors import NotFound, UpstreamUnavailable, UserError
from bot.escalate import service
from bot.escalate.models import EscalationFile
from bot.incidents.models import IncidentView
from bot.incidents.ports import HookedPublisher
from bot.jobs import Jobs
from bot.notify.delivery import Notifier
from bot.notify.limits import record_snooze
from bot.notify.models import Event, Message, Outcome, Target, TargetKind
from bot.notify.rules import route
from bot.store import Incident, Member, Team, TimelineEvent

if TYPE_CHECKING:
    from bot.incidents.flows import IncidentFlows

log = logging.getLogger(__name__)


def dedup_key_for(incident: Incident) -> str:
    """The stable Events API dedup key of an incident opened by aiops."""
    return f"aiops-{incident.id}-{incident.created_at:%Y%m%d%H%M%S}"


def incident_message(incident: Incident, event: Event, text: str) -> Message:
    fields = {"severity": incident.severity, "status": incident.status}
    if incident.services:
        fields["services"] = ", ".join(incident.services)
    return Message(
        title=f"#{incident.id} {incident.title}",
        text=text,
        event=event,
        severity=incident.severity,
        incident_id=incident.id,
        pagerduty_key=incident.pagerduty_dedup_key,
        fields=fields,
    )


@dataclass
class Paging:
    notifier: Notifier
    config: EscalationFile
    clock: Clock

    # ------------------------------------------------------------------ helpers
    def _load(self, incident_id: int | None) -> Incident:
        if incident_id is None:
            raise UserError("the incident has not been stored yet")
        with self.notifier.db.session() as s:
            found = s.get(Incident, incident_id)
        if found is None:
            raise NotFound(f"incident {incident_id} does not exist")
        return found

    def _team(self, incident: Incident) -> str | None:
        if incident.team_id is None:
            return None
        with self.notifier.db.session() as s:
            team = s.get(Team, incident.team_id)
        return team.name if team else None

    def _timeline(self, incident_id: int, kind: str, text: str, **data: object) -> None:
        with self.notifier.db.session() as s:
            s.add(
                TimelineEvent(
                    incident_id=incident_id,
                    at=self.clock.now(),
                    kind=kind,
                    actor="aiops",
                    text=text,
                    data=dict(data),
                )
            )

    # ------------------------------------------------------------------ rule notifications
    def notify_event(
        self,
        incident: Incident,
        event: Event,
        text: str,
        *,
        key: str = "",
        team: str | None = None,
    ) -> list[Outcome]:
        """Send ``event`` for the incident to every target the rules pick (once per ``key``)."""
        if not self.config.notifications.rules:
            return []
        targets = route(
            self.config.notifications,
            event=event,
            severity=incident.severity,
            services=incident.services,
            team=team if team is not None else self._team(incident),
        )
        message = incident_message(incident, event, text)
        return [
            self.notifier.send(
                target,
                message,
                dedup_key=f"{event.value}:{incident.id}:{key}:{target.label()}"[:255],
                rate_limited=limited,
            )
            for target, limited in targets
        ]

    # ------------------------------------------------------------------ hooks
    def on_incident_opened(self, incident: Incident) -> int:
        """Start the escalation (timers first, durable), then notify per the rules.

        Returns how many timers were created (0 on a repeated call)."""
        if incident.id is None:
            raise UserError("the incident has not been stored yet")
        now = self.clock.now()
        created = 0
        with self.notifier.db.session() as s:
            row = s.get(Incident, incident.id)
            if row is None:
                raise NotFound(f"incident {incident.id} does not exist")
            # a page from PagerDuty keeps its key: PagerDuty already escalates that page
            from_page = service.adopt_page_key(s, row) is not None
            if not row.pagerduty_dedup_key:
                s.execute(
                    update(Incident)
                    .where(col(Incident.id) == row.id, col(Incident.pagerduty_dedup_key).is_(None))
                    .values(pagerduty_dedup_key=dedup_key_for(row))
                )
                s.refresh(row)
            team = s.get(Team, row.team_id) if row.team_id is not None else None
            policy = service.policy_for(s, row, self.config.default_policy)
            spec = next((p for p in self.config.policies if policy and p.name == policy.name), None)
            severities = spec.severities if spec else ["critical"]
            due = policy is not None and row.severity in severities and row.status == "triggered"
            if due and not from_page and policy is not None:
                created = service.schedule_timers(s, incident.id, policy, now)
            if created and policy is not None:
                s.add(
                    TimelineEvent(
                        incident_id=incident.id,
                        at=now,
                        kind="escalation",
                        actor="aiops",
                        text=f"Escalation started: policy {policy.name}, "
                        f"{len(policy.levels)} level(s)"
                        + (f", repeated {policy.repeat}x" if policy.repeat else ""),
                        data={"policy": policy.name},
                    )
                )
            incident, team_name = row, (team.name if team else "")
        self.notify_event(
            incident, Event.INCIDENT_OPENED, f"New {incident.severity} incident", team=team_name
        )
        return created

    def on_incident_acknowledged(self, incident: Incident, source: str) -> None:
        self._stop(incident, source, Event.ACKNOWLEDGED, "acknowledged")

    def on_incident_resolved(self, incident: Incident, source: str) -> None:
        self._stop(incident, source, Event.RESOLVED, "resolved")

    def _stop(self, incident: Incident, source: str, event: Event, verb: str) -> None:
        incident = self._load(incident.id)
        assert incident.id is not None
        with self.notifier.db.session() as s:
            cancelled = service.cancel_pending(s, incident.id, self.clock.now())
            incident = s.get(Incident, incident.id) or incident
            assert incident.id is not None
            service.adopt_page_key(s, incident)
            known_to_pd = service.known_to_pagerduty(s, incident)
            who = incident.acknowledged_by if event is Event.ACKNOWLEDGED else incident.resolved_by
            member = (
                s.exec(select(Member).where(Member.slack_user_id == who)).first() if who else None
            )
        if cancelled:
            self._timeline(
                incident.id,
                "escalation",
                f"Escalation stopped: {verb} via {source}; {cancelled} pending level(s) cancelled",
                source=source,
                cancelled=cancelled,
            )
        key = incident.pagerduty_dedup_key
        if source != "pagerduty" and key and known_to_pd:
            message = incident_message(incident, event, f"{verb} in aiops via {source}")
            if member is not None and member.email:
                message = Message(**{**message.__dict__, "actor_email": member.email})
            self.notifier.send(
                Target(kind=TargetKind.PAGERDUTY),
                message,
                dedup_key=f"pd-{verb}:{incident.id}",
                ignore_snooze=True,
            )
        self.notify_event(incident, event, f"{verb.capitalize()} via {source}")

    def note_on_page(self, incident_id: int, text: str, *, key: str) -> Outcome | None:
        """Add ``text`` as a note on the incident's PagerDuty page (once per ``key``); None when
        PagerDuty has no page for it (never paged, or PagerDuty is not configured)."""
        self._load(incident_id)  # NotFound first
        with self.notifier.db.session() as s:
            incident = s.get(Incident, incident_id)
            assert incident is not None
            service.adopt_page_key(s, incident)
            if not service.known_to_pagerduty(s, incident):
                return None
        message = incident_message(incident, Event.ANALYSIS_COMPLETE, text)
        return self.notifier.send(
            Target(kind=TargetKind.PAGERDUTY),
            message,
            dedup_key=f"pd-note:{incident_id}:{key}"[:255],
            ignore_snooze=True,
        )

    def snooze(self, incident_id: int, until: datetime | None, *, by: str) -> int:
        """Silence the incident until ``until`` (None lifts it); pending levels move later."""
        incident = self._load(incident_id)
        now = self.clock.now()
        if until is not None and until <= now:
            raise UserError("a snooze must end in the future")
        with self.notifier.db.session() as s:
            record_snooze(s, incident_id, until=until, by=by, now=now)
            moved = service.shift_pending(s, incident_id, until - now) if until else 0
        log.info("incident %s snoozed until %s by %s", incident.id, until, by)
        return moved


# ------------------------------------------------------------------ wiring to the incidents
def wire_escalation(
    flows: IncidentFlows,
    paging: Paging | None,
    jobs: Jobs,
    *,
    also_on_opened: Callable[[int], None] | None = None,
) -> None:
    """ "Opened → escalate", "acknowledged / resolved → stop paging": hook ``paging`` onto the
    incident flows. The hooks may wait on PagerDuty, so each runs as a job; when the jobs are
    busy or stopping the timer sweep is the backstop."""

    def row(incident_id: int) -> Incident | None:
        with flows.db.session() as s:
            return s.get(Incident, incident_id)

    def opened(incident_id: int) -> None:
        def job() -> None:
            found = row(incident_id)
            if found is not None and paging is not None:
                paging.on_incident_opened(found)

        with suppress(UpstreamUnavailable):
            jobs.submit(f"page #{incident_id}", job, on_error=log.warning)
        if also_on_opened is not None:
            also_on_opened(incident_id)

    def changed(view: IncidentView, status: str, source: str) -> None:
        if paging is None or status not in ("acknowledged", "resolved"):
            return

        def job() -> None:
            found = row(view.id)
            if found is None or paging is None:
                return
            if status == "acknowledged":
                paging.on_incident_acknowledged(found, source)
            else:
                paging.on_incident_resolved(found, source)

        with suppress(UpstreamUnavailable):
            jobs.submit(f"paging {status} #{view.id}", job, on_error=log.warning)

    flows.publisher = HookedPublisher(flows.publisher, opened)
    flows.listeners.append(changed)
