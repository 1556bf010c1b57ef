"""Alerts in, incidents out: dedup/upsert a batch of ``AlertIn``, correlate, write incidents and
timeline rows in ONE transaction, then tell the publisher (one message per incident, one folded
thread reply per incident per batch).

A repeat of a fingerprint updates its row (``repeat_count``), never duplicates it. A ``resolved``
alert ends its row; when every alert of an incident has ended the incident's thread gets an offer
to resolve it (the incident itself stays open until a person or PagerDuty resolves it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import tuple_
from sqlmodel import Session, col, select

from bot.changes import service as change_service
from bot.changes.models import ChangeIn
from bot.incidents import service as incident_service
from bot.incidents.enums import SEVERITY_RANK, TimelineKind
from bot.incidents.flows import IncidentFlows, absorb, facts_of, refresh_incident
from bot.incidents.models import AlertLine, IncidentView
from bot.ingest.models import AlertIn
from bot.store.models import Alert, ChangeEvent, Incident

CHUNK = 400


@dataclass(frozen=True)
class Outcome:
    alert_id: int
    incident_id: int | None
    created_alert: bool
    created_incident: bool


@dataclass
class _Touched:
    created: bool = False
    alerts: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)


def _existing(session: Session, alerts: Sequence[AlertIn]) -> dict[tuple[str, str], Alert]:
    keys = list({(a.source, a.fingerprint) for a in alerts})
    found: dict[tuple[str, str], Alert] = {}
    for i in range(0, len(keys), CHUNK):
        part = keys[i : i + CHUNK]
        stmt = select(Alert).where(tuple_(col(Alert.source), col(Alert.fingerprint)).in_(part))
        for row in session.exec(stmt):
            found[(row.source, row.fingerprint)] = row
    return found


def _apply(row: Alert, a: AlertIn, now: datetime) -> None:
    refire = row.status == "resolved" and a.status == "firing"
    row.status = a.status
    row.severity = a.severity
    row.summary = a.summary or row.summary
    row.labels = dict(a.labels)
    row.annotations = dict(a.annotations)
    row.service = a.service or row.service
    row.updated_at = now
    row.repeat_count += 1
    if a.status == "resolved":
        row.ends_at = a.ends_at or now
    elif refire:
        row.starts_at, row.ends_at = a.starts_at or now, None


def ingest_alerts(flows: IncidentFlows, alerts: Sequence[AlertIn]) -> list[Outcome]:
    """Store, deduplicate and correlate a batch; returns one outcome per input alert."""
    if not alerts:
        return []
    now = flows.clock.now()
    touched: dict[int, _Touched] = {}
    outcomes: list[Outcome] = []
    with flows.lock, flows.db.session() as session:
        existing = _existing(session, alerts)
        rows: list[tuple[Alert, bool, bool]] = []  # (row, created, was_firing)
        for a in alerts:
            key = (a.source, a.fingerprint)
            row = existing.get(key)
            if row is None:
                row = Alert(
                    source=a.source,
                    fingerprint=a.fingerprint,
                    name=a.name,
                    service=a.service,
                    severity=a.severity,
                    status=a.status,
                    summary=a.summary,
                    labels=dict(a.labels),
                    annotations=dict(a.annotations),
                    external_id=a.external_id,
                    starts_at=a.starts_at or now,
                    ends_at=(a.ends_at or now) if a.status == "resolved" else None,
                    received_at=now,
                    updated_at=now,
                )
                session.add(row)
                existing[key] = row
                rows.append((row, True, False))
            else:
                was_firing = row.status == "firing"
                _apply(row, a, now)
                rows.append((row, False, was_firing))
        session.flush()  # ids for the new alerts (one multi-row INSERT)

        incidents: dict[str, Incident] = {}
        for row, created, was_firing in rows:
            assert row.id is not None
            inc: Incident | None = None
            if row.status == "firing":
                placement = flows.correlator.place(facts_of(row))
                inc = incidents.get(placement.key) or _incident_for(session, placement.key)
                if inc is None:
                    inc = Incident(
                        title=row.name,
                        group_key=placement.key,
                        severity=row.severity,
                        created_at=now,
                        updated_at=now,
                    )
                    session.add(inc)
                    session.flush()
                    touched.setdefault(inc.id or 0, _Touched()).created = True
                incidents[placement.key] = inc
                for gone in placement.merged:
                    other = _incident_for(session, gone)
                    if other is not None and other.id != inc.id:
                        absorb(session, inc, other, now=now, actor="aiops")
                        touched.setdefault(other.id or 0, _Touched())
                if row.incident_id != inc.id:
                    row.incident_id = inc.id
                if SEVERITY_RANK.get(row.severity, 1) > SEVERITY_RANK.get(inc.severity, 1):
                    inc.severity = row.severity
                inc.last_alert_at = now
            elif row.incident_id is not None:
                inc = session.get(Incident, row.incident_id)
            if inc is None:
                outcomes.append(Outcome(row.id, None, created, False))
                continue
            assert inc.id is not None
            t = touched.setdefault(inc.id, _Touched())
            if created or (row.status == "firing") != was_firing:
                t.alerts.append(row.id)
                if row.status == "resolved":
                    t.resolved.append(row.id)
                verb = "fired" if row.status == "firing" else "resolved"
                incident_service.add_timeline(
                    session=session,
                    incident_id=inc.id,
                    kind=TimelineKind.ALERT,
                    at=now,
                    text=f"alert #{row.id} {row.name} ({row.service or '-'}) {verb}",
                    data={"alert_id": row.id, "status": row.status, "source": row.source},
                )
            outcomes.append(Outcome(row.id, inc.id, created, t.created))
        for inc in incidents.values():
            if inc.status != "resolved":
                refresh_incident(session, inc, flows.correlator, now=now)
        session.flush()
        by_id = {row.id: row for row, _, _ in rows}
        views, offers = _views(session, flows, touched, by_id)
    _publish(flows, touched, views, offers)
    return outcomes


def _incident_for(session: Session, key: str) -> Incident | None:
    return session.exec(select(Incident).where(Incident.group_key == key)).first()


def _views(
    session: Session, flows: IncidentFlows, touched: dict[int, _Touched], rows: dict[Any, Alert]
) -> tuple[dict[int, tuple[IncidentView, list[AlertLine]]], set[int]]:
    views: dict[int, tuple[IncidentView, list[AlertLine]]] = {}
    offers: set[int] = set()
    for inc_id, t in touched.items():
        view = incident_service.view(session=session, incident_id=inc_id, topology=flows.topology)
        lines = []
        for alert_id in t.alerts:
            row = rows.get(alert_id) or session.get(Alert, alert_id)
            if row is not None:
                lines.append(incident_service.alert_line(row))
        views[inc_id] = (view, lines)
        if t.resolved and view.status != "resolved" and view.firing_count == 0:
            offers.add(inc_id)
            incident_service.add_timeline(
                session=session,
                incident_id=inc_id,
                kind=TimelineKind.NOTIFICATION,
                at=flows.clock.now(),
                text="every alert has ended: offered to resolve",
            )
    return views, offers


def _publish(
    flows: IncidentFlows,
    touched: dict[int, _Touched],
    views: dict[int, tuple[IncidentView, list[AlertLine]]],
    offers: set[int],
) -> None:
    for inc_id, (view, lines) in views.items():
        if touched[inc_id].created and view.slack_ts is None:
            ref = flows.publisher.publish(view)
            if ref is not None:
                flows.set_message(inc_id, ref.channel, ref.ts)
        else:
            flows.publisher.update(view)
        if lines and not touched[inc_id].created:
            firing = sum(1 for a in lines if a.status == "firing")
            ended = len(lines) - firing
            parts = [f"{firing} new alert(s)"] if firing else []
            parts += [f"{ended} ended"] if ended else []
            flows.publisher.thread(view, ", ".join(parts), alerts=lines)
        if inc_id in offers:
            flows.publisher.thread(view, "Every alert of this incident has ended. Resolve it?")


def record_change(flows: IncidentFlows, change: ChangeIn) -> tuple[ChangeEvent, bool]:
    """Store a change once; a new one is noted on the timeline of related open incidents."""
    now = flows.clock.now()
    with flows.db.session() as session:
        row, created = change_service.create(session=session, change=change)
        if created and change.service:
            open_incs = incident_service.list_incidents(session=session, open_only=True, limit=500)
            for inc in open_incs:
                services = set(inc.services)
                near = change.service in services or any(
                    flows.topology.related(change.service, s) for s in services
                )
                if near and inc.id is not None:
                    incident_service.add_timeline(
                        session=session,
                        incident_id=inc.id,
                        kind=TimelineKind.CHANGE,
                        at=now,
                        text=f"{change.kind} of {change.service} {change.version or ''} "
                        f"via {change.source}".replace("  ", " "),
                        data={"change_id": row.id},
                    )
    return row, created
