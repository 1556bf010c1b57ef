"""Alerts in, incidents out: dedup/upsert a batch of ``AlertIn``, correlate, write incidents and
timeline rows in ONE transaction, then tell the publisher (one message per incident, one folded
thread reply per incident per batch).

The transaction starts with ``begin_grouping`` and ``catch_up`` (see ``bot.incidents.flows``), so
replicas on one database place alerts one batch at a time, each with what the others committed:
one service's alerts arriving at three replicas open one incident, not three.

A repeat of a fingerprint updates its row (``repeat_count``), never duplicates it. A ``resolved``
alert ends its row; when every alert of an incident has ended the incident's thread gets an offer
to resolve it (the incident itself stays open until a person or PagerDuty resolves it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlmodel import Session

from bot.changes import service as change_service
from bot.changes.models import ChangeIn
from bot.incidents import service as incident_service
from bot.incidents.enums import SEVERITY_RANK, TimelineKind
from bot.incidents.flows import IncidentFlows
from bot.incidents.grouping_rows import absorb, begin_grouping, last_event
from bot.incidents.models import AlertLine, IncidentView
from bot.ingest.incident_rows import IncidentIds, create_incident, firing_counts, refresh_incidents
from bot.ingest.models import AlertIn
from bot.ingest.rows import AlertRec, move_alerts, store_alerts
from bot.ingest.wire import check_change
from bot.notify.ports import NullPublisher
from bot.store.models import ChangeEvent, Incident, TimelineEvent

TIMELINE: Table = TimelineEvent.__table__  # type: ignore[attr-defined]
_INSERT_TIMELINE = insert(TIMELINE)


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


def ingest_alerts(flows: IncidentFlows, alerts: Sequence[AlertIn]) -> list[Outcome]:
    """Store, deduplicate and correlate a batch; returns one outcome per input alert."""
    if not alerts:
        return []
    now = flows.clock.now()
    touched: dict[int, _Touched] = {}
    outcomes: list[Outcome] = []
    timeline: list[dict[str, Any]] = []
    moved: dict[int, int] = {}  # alert id -> incident id
    placed: dict[str, int] = {}  # group key -> incident id, for every group given a firing alert
    severities: dict[int, str] = {}  # incident id -> highest severity of its firing alerts
    keys = IncidentIds(flows.group_ids)
    views: dict[int, tuple[IncidentView, list[AlertLine]]] = {}
    with flows.lock, flows.db.session() as session, session.no_autoflush:
        conn = session.connection()
        begin_grouping(conn)
        flows.catch_up(conn)
        recs = store_alerts(conn, alerts, now)
        for rec in recs:
            incident_id: int | None = None
            joined = False
            if rec.status == "firing":
                placement = flows.correlator.place(rec.facts())
                incident_id = placed.get(placement.key) or keys.lookup(conn, placement.key)
                if incident_id is None:
                    incident_id = create_incident(
                        conn, title=rec.name, key=placement.key, severity=rec.severity, now=now
                    )
                    keys.add(placement.key, incident_id)
                    touched.setdefault(incident_id, _Touched()).created = True
                placed[placement.key] = incident_id
                for gone in placement.merged:
                    other = keys.lookup(conn, gone)
                    if other is not None and other != incident_id:
                        _absorb(session, incident_id, other, now=now)
                        touched.setdefault(other, _Touched())
                        for r in recs:
                            if r.incident_id == other:
                                r.incident_id = incident_id
                        for aid, iid in list(moved.items()):
                            if iid == other:
                                moved[aid] = incident_id
                joined = rec.incident_id != incident_id
                if joined:
                    rec.incident_id = incident_id
                    moved[rec.id] = incident_id
                best = severities.get(incident_id)
                if best is None or SEVERITY_RANK.get(rec.severity, 1) > SEVERITY_RANK.get(best, 1):
                    severities[incident_id] = rec.severity
            elif rec.incident_id is not None:
                incident_id = rec.incident_id
            if incident_id is None:
                outcomes.append(Outcome(rec.id, None, rec.created, False))
                continue
            t = touched.setdefault(incident_id, _Touched())
            # every alert that joins an incident is on its timeline: other replicas see it
            if rec.created or joined or (rec.status == "firing") != rec.was_firing:
                t.alerts.append(rec.id)
                if rec.status == "resolved":
                    t.resolved.append(rec.id)
                verb = "fired" if rec.status == "firing" else "resolved"
                timeline.append(
                    dict(
                        incident_id=incident_id,
                        kind=str(TimelineKind.ALERT),
                        at=now,
                        actor=None,
                        text=f"alert #{rec.id} {rec.name} ({rec.service or '-'}) {verb}",
                        data={"alert_id": rec.id, "status": rec.status, "source": rec.source},
                    )
                )
            outcomes.append(Outcome(rec.id, incident_id, rec.created, t.created))
        if moved:
            move_alerts(conn, moved)
        if timeline:
            conn.execute(_INSERT_TIMELINE, timeline)
        refresh_incidents(conn, flows.correlator, placed, severities, now=now)
        offers = _offers(conn, flows, touched)
        seen = last_event(conn)  # our own events: nothing to catch up on next time
        if not isinstance(flows.publisher, NullPublisher):  # nobody reads views it would drop
            session.expire_all()  # ORM rows loaded by a merge are older than the Core updates
            views = _views(session, flows, touched, {rec.id: rec for rec in recs})
    keys.commit()
    flows.seen = max(flows.seen, seen)
    outcomes = [
        Outcome(
            o.alert_id, moved.get(o.alert_id, o.incident_id), o.created_alert, o.created_incident
        )
        for o in outcomes
    ]
    if views:
        _publish(flows, touched, views, offers)
    return outcomes


def _absorb(session: Session, into_id: int, other_id: int, *, now: datetime) -> None:
    """A merge found by the correlator: the ORM path shared with manual merges (rare)."""
    into = session.get(Incident, into_id, populate_existing=True)
    other = session.get(Incident, other_id, populate_existing=True)
    assert into is not None and other is not None
    absorb(session, into, other, now=now, actor="aiops")
    session.flush()


def _offers(conn: Connection, flows: IncidentFlows, touched: dict[int, _Touched]) -> set[int]:
    """Open incidents whose every alert has now ended get an offer to resolve (timeline note)."""
    ended = [inc_id for inc_id, t in touched.items() if t.resolved]
    if not ended:
        return set()
    offers: set[int] = set()
    for inc_id, (status, firing) in firing_counts(conn, ended).items():
        if status != "resolved" and firing == 0:
            offers.add(inc_id)
    notes: list[dict[str, Any]] = [
        dict(
            incident_id=inc_id,
            kind=str(TimelineKind.NOTIFICATION),
            at=flows.clock.now(),
            actor=None,
            text="every alert has ended: offered to resolve",
            data={},
        )
        for inc_id in ended
        if inc_id in offers
    ]
    if notes:
        conn.execute(_INSERT_TIMELINE, notes)
    return offers


def _views(
    session: Session, flows: IncidentFlows, touched: dict[int, _Touched], rows: dict[int, AlertRec]
) -> dict[int, tuple[IncidentView, list[AlertLine]]]:
    views: dict[int, tuple[IncidentView, list[AlertLine]]] = {}
    for inc_id, t in touched.items():
        view = incident_service.view(session=session, incident_id=inc_id, topology=flows.topology)
        lines = []
        for alert_id in t.alerts:
            rec = rows.get(alert_id)
            if rec is not None:
                lines.append(rec.line())
        views[inc_id] = (view, lines)
    return views


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
    check_change(change)
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
