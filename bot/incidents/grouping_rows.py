"""Row-level pieces of grouping, written with Core statements where a batch needs speed.

- ``begin_grouping``: the cross-process writer lock; ``last_event``: the newest timeline event id.
- ``IncidentIds``: group key → incident id. A group key is fixed when its incident is created, so
  the mapping is cached in memory; entries learned in a transaction only count once it commits.
- ``create_incident``: one INSERT … RETURNING per new group (a few per batch).
- ``move_alerts``: alerts that joined an incident, one UPDATE per incident.
- ``refresh_incidents``: ONE select and ONE executemany UPDATE for every incident that took firing
  alerts in the batch: severity, last alert time and the correlator's view (services, root alert,
  title from the root alert's row), ``version + 1`` — what ``refresh_incident`` does for one ORM
  row, without loading ORM objects.
- ``absorb`` / ``refresh_incident``: the ORM side of a merge and of a correlator change (manual
  merge and split, and the rare merge found while grouping).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    and_,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from bot.correlate import Correlator
from bot.correlate.explain import describe_verdict
from bot.incidents import service
from bot.incidents.enums import SEVERITY_RANK, IncidentStatus, TimelineKind
from bot.store.models import Alert, Incident, TimelineEvent

INCIDENTS: Table = Incident.__table__  # type: ignore[attr-defined]
ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]
_TL: Table = TimelineEvent.__table__  # type: ignore[attr-defined]
_LAST_EVENT = select(func.max(_TL.c.id))
_CHUNK = 400
_MOVE = (
    update(ALERTS)
    .where(ALERTS.c.id.in_(bindparam("b_ids", expanding=True)))
    .values(incident_id=bindparam("b_incident"))
)
_MOVE_PG = (
    update(ALERTS)
    .where(ALERTS.c.id == any_(bindparam("b_ids", type_=ARRAY(Integer))))
    .values(incident_id=bindparam("b_incident"))
)

_BY_KEY = select(INCIDENTS.c.id).where(INCIDENTS.c.group_key == bindparam("key")).limit(1)
_CREATE = insert(INCIDENTS).returning(INCIDENTS.c.id)
_CURRENT = select(
    INCIDENTS.c.id,
    INCIDENTS.c.status,
    INCIDENTS.c.severity,
    INCIDENTS.c.title,
    INCIDENTS.c.root_alert_id,
).where(INCIDENTS.c.id.in_(bindparam("ids", expanding=True)))
_ROOTS = select(ALERTS.c.id, ALERTS.c.service, ALERTS.c.name).where(
    ALERTS.c.id.in_(bindparam("ids", expanding=True))
)
_REFRESH = (
    update(INCIDENTS)
    .where(INCIDENTS.c.id == bindparam("b_id"))
    .values(
        severity=bindparam("b_severity"),
        last_alert_at=bindparam("b_now"),
        services=bindparam("b_services", type_=INCIDENTS.c.services.type),
        updated_at=bindparam("b_now"),
        version=INCIDENTS.c.version + 1,
        root_alert_id=bindparam("b_root"),
        title=bindparam("b_title"),
        root_basis=bindparam("b_basis"),
        root_confidence=bindparam("b_confidence"),
        root_why=bindparam("b_why"),
    )
)
_TOUCH_CLOSED = (
    update(INCIDENTS)
    .where(INCIDENTS.c.id == bindparam("b_id"))
    .values(severity=bindparam("b_severity"), last_alert_at=bindparam("b_now"))
)


@dataclass
class IncidentIds:
    """Group key → incident id for one transaction: ``known`` holds committed entries (shared
    across batches), ``pending`` what this transaction learned; ``commit`` merges them."""

    known: dict[str, int]
    pending: dict[str, int] = field(default_factory=dict)

    def lookup(self, conn: Connection, key: str) -> int | None:
        found = self.known.get(key) or self.pending.get(key)
        if found is None:
            found = conn.execute(_BY_KEY, {"key": key}).scalar()
            if found is not None:
                self.pending[key] = found
        return found

    def add(self, key: str, incident_id: int) -> None:
        self.pending[key] = incident_id

    def commit(self) -> None:
        self.known.update(self.pending)
        self.pending.clear()


def create_incident(
    conn: Connection,
    *,
    title: str,
    key: str,
    severity: str,
    now: datetime,
    route: dict[str, Any] | None = None,
) -> int:
    """A new incident row; ``route``: its team_id, slack_channel, escalation_policy and
    auto_investigate as routing chose them (``bot.teams.routing``)."""
    row = {
        **(route or {}),
        "title": title,
        "group_key": key,
        "severity": severity,
        "status": str(IncidentStatus.TRIGGERED),
        "services": [],
        "created_at": now,
        "updated_at": now,
        "version": 0,
    }
    return int(conn.execute(_CREATE, row).scalar_one())


def _rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity, 1)


def _title(svc: str | None, name: str) -> str:
    return (f"{svc}: {name}" if svc else name)[:255]


def refresh_incidents(
    conn: Connection,
    correlator: Correlator,
    placed: dict[str, int],
    severities: dict[int, str],
    *,
    now: datetime,
) -> None:
    """``placed``: group key → incident id of every group that took a firing alert;
    ``severities``: the highest severity among those alerts, per incident."""
    if not placed:
        return
    ids = sorted(set(placed.values()))
    current = {r.id: r for r in conn.execute(_CURRENT, {"ids": ids})}
    views: dict[int, tuple[tuple[str, ...], Any]] = {}
    keys: dict[int, str] = {}
    for key, incident_id in placed.items():
        row = current.get(incident_id)
        if row is not None and row.status != IncidentStatus.RESOLVED:
            views[incident_id] = correlator.summary(key)
            keys[incident_id] = key
    root_ids = [root for _, root in views.values() if isinstance(root, int)]
    roots = {r.id: r for r in conn.execute(_ROOTS, {"ids": root_ids})} if root_ids else {}
    refresh: list[dict[str, Any]] = []
    closed: list[dict[str, Any]] = []
    for incident_id in ids:
        row = current.get(incident_id)
        if row is None:
            continue
        severity = row.severity
        best = severities.get(incident_id)
        if best is not None and _rank(best) > _rank(severity):
            severity = best
        if incident_id not in views:
            closed.append({"b_id": incident_id, "b_severity": severity, "b_now": now})
            continue
        services, root_ref = views[incident_id]
        root_id, title = row.root_alert_id, row.title
        if isinstance(root_ref, int):
            root_id = root_ref
            root = roots.get(root_ref)
            if root is not None:
                title = _title(root.service, root.name)
        refresh.append(
            {
                "b_id": incident_id,
                "b_severity": severity,
                "b_now": now,
                "b_services": list(services),
                "b_root": root_id,
                "b_title": title,
                **_verdict_row(correlator, keys[incident_id]),
            }
        )
    if refresh:
        conn.execute(_REFRESH, refresh)
    if closed:
        conn.execute(_TOUCH_CLOSED, closed)


def _verdict_row(correlator: Correlator, key: str) -> dict[str, Any]:
    """The storm verdict's basis, confidence and evidence for the incident row (all ``None``
    when the group is not a detector storm)."""
    v = correlator.storm_verdict(key)
    if v is None:
        return {"b_basis": None, "b_confidence": None, "b_why": None}
    text = describe_verdict(v)
    return {"b_basis": v.basis, "b_confidence": v.confidence, "b_why": text[:500]}


def firing_counts(conn: Connection, incident_ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """Incident id → (status, firing alert count), in one query."""
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    stmt = (
        select(INCIDENTS.c.id, INCIDENTS.c.status, func.count(ALERTS.c.id))
        .select_from(
            INCIDENTS.outerjoin(
                ALERTS, and_(ALERTS.c.incident_id == INCIDENTS.c.id, ALERTS.c.status == "firing")
            )
        )
        .where(INCIDENTS.c.id.in_(ids))
        .group_by(INCIDENTS.c.id, INCIDENTS.c.status)
    )
    return {r[0]: (r[1], int(r[2])) for r in conn.execute(stmt)}


def move_alerts(conn: Connection, moved: dict[int, int]) -> None:
    """``alert id -> incident id``: one UPDATE … WHERE id IN (…) per incident."""
    by_incident: dict[int, list[int]] = {}
    for alert_id, incident_id in moved.items():
        by_incident.setdefault(incident_id, []).append(alert_id)
    if conn.dialect.name == "postgresql":  # one constant statement (id = ANY(array))
        rows = [{"b_incident": i, "b_ids": ids} for i, ids in by_incident.items()]
        conn.execute(_MOVE_PG, rows)
        return
    for incident_id, alert_ids in by_incident.items():
        for i in range(0, len(alert_ids), _CHUNK):
            conn.execute(_MOVE, {"b_incident": incident_id, "b_ids": alert_ids[i : i + _CHUNK]})


#: ``pg_advisory_xact_lock`` key taken by every transaction that changes grouping ("aiopsgrp").
GROUPING_LOCK = 0x6169_6F70_7367_7270


def begin_grouping(conn: Connection, *, write: bool = True) -> None:
    """First statement of a transaction that reads or changes grouping state: one such
    transaction at a time across every process on the database (Postgres: an advisory lock held
    until commit; SQLite: ``BEGIN IMMEDIATE``, its writer lock, or a plain ``BEGIN`` — one
    snapshot — for a reader)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({GROUPING_LOCK})")
    elif conn.dialect.name == "sqlite":
        dbapi: Any = conn.connection.dbapi_connection
        if not dbapi.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def last_event(conn: Connection) -> int:
    """Id of the newest timeline event (0 when there is none)."""
    return int(conn.execute(_LAST_EVENT).scalar() or 0)


def absorb(session: Session, into: Incident, other: Incident, *, now: datetime, actor: str) -> None:
    """Rows side of a merge: move alerts, resolve the absorbed incident, note both timelines."""
    assert into.id is not None and other.id is not None
    for a in service.alerts_of(session=session, incident_id=other.id):
        a.incident_id = into.id
    other.status = IncidentStatus.RESOLVED
    other.resolved_at, other.resolved_by = now, actor
    other.resolution_note = f"merged into incident #{into.id}"
    other.version += 1
    service.add_timeline(
        session=session,
        incident_id=into.id,
        kind=TimelineKind.MERGE,
        text=f"incident #{other.id} merged in",
        at=now,
        actor=actor,
    )
    service.add_timeline(
        session=session,
        incident_id=other.id,
        kind=TimelineKind.MERGE,
        text=f"merged into incident #{into.id}",
        at=now,
        actor=actor,
    )


def refresh_incident(
    session: Session, inc: Incident, correlator: Correlator, *, now: datetime
) -> None:
    """Copy the correlator's view (root alert, services) onto the row; retitle; bump version."""
    view = correlator.view(inc.group_key)
    root_id = view.root_alert if isinstance(view.root_alert, int) else None
    inc.services = list(view.services)
    inc.updated_at = now
    inc.version += 1
    verdict = _verdict_row(correlator, inc.group_key)
    inc.root_basis = verdict["b_basis"]
    inc.root_confidence = verdict["b_confidence"]
    inc.root_why = verdict["b_why"]
    if root_id is not None:
        inc.root_alert_id = root_id
        root = session.get(Alert, root_id)
        if root is not None:
            inc.title = f"{root.service}: {root.name}" if root.service else root.name
            inc.title = inc.title[:255]
