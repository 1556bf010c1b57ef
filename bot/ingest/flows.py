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

from sqlalchemy import Table, bindparam, insert, tuple_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.changes import service as change_service
from bot.changes.models import ChangeIn
from bot.correlate import AlertFacts
from bot.incidents import service as incident_service
from bot.incidents.enums import SEVERITY_RANK, TimelineKind
from bot.incidents.flows import IncidentFlows, absorb, refresh_incident
from bot.incidents.models import AlertLine, IncidentView
from bot.ingest.models import AlertIn
from bot.store.models import Alert, ChangeEvent, Incident, TimelineEvent

CHUNK = 400
ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]
TIMELINE: Table = TimelineEvent.__table__  # type: ignore[attr-defined]


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


@dataclass
class _Rec:
    """One alert of the batch, as plain data (no ORM object: bulk statements are much faster)."""

    id: int
    source: str
    name: str
    service: str | None
    severity: str
    status: str
    summary: str
    labels: dict[str, str]
    starts_at: datetime
    incident_id: int | None
    created: bool
    was_firing: bool

    def facts(self) -> AlertFacts:
        return AlertFacts(
            id=self.id,
            at=self.starts_at,
            name=self.name,
            service=self.service,
            labels=self.labels,
        )

    def line(self) -> AlertLine:
        return AlertLine(
            self.id, self.name, self.service, self.severity, self.status, self.summary, self.source
        )


_EXISTING_COLS: tuple[Any, ...] = tuple(
    col(c)
    for c in (
        Alert.id,
        Alert.source,
        Alert.fingerprint,
        Alert.status,
        Alert.service,
        Alert.summary,
        Alert.starts_at,
        Alert.repeat_count,
        Alert.incident_id,
    )
)


def _existing(session: Session, alerts: Sequence[AlertIn]) -> dict[tuple[str, str], Any]:
    keys = list({(a.source, a.fingerprint) for a in alerts})
    found: dict[tuple[str, str], Any] = {}
    for i in range(0, len(keys), CHUNK):
        part = keys[i : i + CHUNK]
        stmt = sa_select(*_EXISTING_COLS).where(
            tuple_(col(Alert.source), col(Alert.fingerprint)).in_(part)
        )
        for row in session.execute(stmt):
            found[(row.source, row.fingerprint)] = row
    return found


def _store(session: Session, alerts: Sequence[AlertIn], now: datetime) -> list[_Rec]:
    """Insert new fingerprints and update repeats with two bulk statements; one record each."""
    existing = _existing(session, alerts)
    inserts: dict[tuple[str, str], dict[str, Any]] = {}
    updates: dict[int, dict[str, Any]] = {}
    plan: list[tuple[tuple[str, str], AlertIn]] = []
    state: dict[tuple[str, str], dict[str, Any]] = {}  # latest values per key within the batch
    for a in alerts:
        key = (a.source, a.fingerprint)
        plan.append((key, a))
        ended = (a.ends_at or now) if a.status == "resolved" else None
        row = existing.get(key)
        prev = state.get(key)
        if row is None and key not in inserts:
            inserts[key] = dict(
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
                ends_at=ended,
                received_at=now,
                updated_at=now,
                repeat_count=0,
                incident_id=None,
            )
            state[key] = {
                "status": a.status,
                "starts_at": a.starts_at or now,
                "created": True,
                "was_firing": False,
            }
            continue
        if prev is None:
            assert row is not None
            prev = {
                "status": row.status,
                "starts_at": row.starts_at,
                "created": False,
                "was_firing": row.status == "firing",
            }
        refire = prev["status"] == "resolved" and a.status == "firing"
        starts = (a.starts_at or now) if refire else prev["starts_at"]
        state[key] = {
            **prev,
            "status": a.status,
            "starts_at": starts,
            "was_firing": prev["status"] == "firing",
        }
        values = dict(
            status=a.status,
            severity=a.severity,
            labels=dict(a.labels),
            annotations=dict(a.annotations),
            updated_at=now,
            starts_at=starts,
            ends_at=ended,
            **({"summary": a.summary} if a.summary else {}),
            **({"service": a.service} if a.service else {}),
        )
        if key in inserts:
            inserts[key].update(values)
        else:
            assert row is not None
            upd = updates.setdefault(row.id, {"id": row.id, "repeat_count": row.repeat_count})
            upd.update(values)
            upd["repeat_count"] += 1
    ids: dict[tuple[str, str], int] = {k: r.id for k, r in existing.items()}
    if inserts:
        stmt = insert(ALERTS).returning(ALERTS.c.id, ALERTS.c.source, ALERTS.c.fingerprint)
        for row in session.execute(stmt, list(inserts.values())):
            ids[(row.source, row.fingerprint)] = row.id
    for upd in updates.values():  # repeats: few per batch, and each has its own columns
        session.execute(update(ALERTS).where(ALERTS.c.id == upd["id"]).values(**upd))
    recs: list[_Rec] = []
    for key, a in plan:
        st = state[key]
        row = existing.get(key)
        recs.append(
            _Rec(
                id=ids[key],
                source=a.source,
                name=a.name,
                service=a.service or (row.service if row is not None else None),
                severity=a.severity,
                status=a.status,
                summary=a.summary or (row.summary if row is not None else ""),
                labels=dict(a.labels),
                starts_at=st["starts_at"],
                incident_id=row.incident_id if row is not None else None,
                created=st["created"],
                was_firing=st["was_firing"],
            )
        )
        st["created"], st["was_firing"] = False, a.status == "firing"
    return recs


def ingest_alerts(flows: IncidentFlows, alerts: Sequence[AlertIn]) -> list[Outcome]:
    """Store, deduplicate and correlate a batch; returns one outcome per input alert."""
    if not alerts:
        return []
    now = flows.clock.now()
    touched: dict[int, _Touched] = {}
    outcomes: list[Outcome] = []
    timeline: list[dict[str, Any]] = []
    moved: dict[int, int] = {}  # alert id -> incident id
    with flows.lock, flows.db.session() as session, session.no_autoflush:
        recs = _store(session, alerts, now)
        incidents: dict[str, Incident] = {}
        for rec in recs:
            inc: Incident | None = None
            if rec.status == "firing":
                placement = flows.correlator.place(rec.facts())
                inc = incidents.get(placement.key) or _incident_for(session, placement.key)
                if inc is None:
                    inc = Incident(
                        title=rec.name,
                        group_key=placement.key,
                        severity=rec.severity,
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
                        session.flush()
                        absorb(session, inc, other, now=now, actor="aiops")
                        touched.setdefault(other.id or 0, _Touched())
                        for r in recs:
                            if r.incident_id == other.id:
                                r.incident_id = inc.id
                        for aid, iid in list(moved.items()):
                            if iid == other.id:
                                moved[aid] = inc.id or 0
                if rec.incident_id != inc.id:
                    rec.incident_id = inc.id
                    moved[rec.id] = inc.id or 0
                if SEVERITY_RANK.get(rec.severity, 1) > SEVERITY_RANK.get(inc.severity, 1):
                    inc.severity = rec.severity
                inc.last_alert_at = now
            elif rec.incident_id is not None:
                inc = session.get(Incident, rec.incident_id)
            if inc is None:
                outcomes.append(Outcome(rec.id, None, rec.created, False))
                continue
            assert inc.id is not None
            t = touched.setdefault(inc.id, _Touched())
            if rec.created or (rec.status == "firing") != rec.was_firing:
                t.alerts.append(rec.id)
                if rec.status == "resolved":
                    t.resolved.append(rec.id)
                verb = "fired" if rec.status == "firing" else "resolved"
                timeline.append(
                    dict(
                        incident_id=inc.id,
                        kind=str(TimelineKind.ALERT),
                        at=now,
                        actor=None,
                        text=f"alert #{rec.id} {rec.name} ({rec.service or '-'}) {verb}",
                        data={"alert_id": rec.id, "status": rec.status, "source": rec.source},
                    )
                )
            outcomes.append(Outcome(rec.id, inc.id, rec.created, t.created))
        session.flush()
        if moved:
            stmt = (
                update(ALERTS)
                .where(ALERTS.c.id == bindparam("alert_id"))
                .values(incident_id=bindparam("new_incident"))
            )
            rows = [{"alert_id": a, "new_incident": i} for a, i in moved.items()]
            session.connection().execute(stmt, rows)
        if timeline:
            session.connection().execute(insert(TIMELINE), timeline)
        for inc in incidents.values():
            if inc.status != "resolved":
                refresh_incident(session, inc, flows.correlator, now=now)
        session.flush()
        by_id = {rec.id: rec for rec in recs}
        views, offers = _views(session, flows, touched, by_id)
    outcomes = [
        Outcome(
            o.alert_id, moved.get(o.alert_id, o.incident_id), o.created_alert, o.created_incident
        )
        for o in outcomes
    ]
    _publish(flows, touched, views, offers)
    return outcomes


def _incident_for(session: Session, key: str) -> Incident | None:
    return session.exec(select(Incident).where(Incident.group_key == key)).first()


def _views(
    session: Session, flows: IncidentFlows, touched: dict[int, _Touched], rows: dict[int, _Rec]
) -> tuple[dict[int, tuple[IncidentView, list[AlertLine]]], set[int]]:
    views: dict[int, tuple[IncidentView, list[AlertLine]]] = {}
    offers: set[int] = set()
    for inc_id, t in touched.items():
        view = incident_service.view(session=session, incident_id=inc_id, topology=flows.topology)
        lines = []
        for alert_id in t.alerts:
            rec = rows.get(alert_id)
            if rec is not None:
                lines.append(rec.line())
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
