"""Incident rows touched by one ingest batch, written with Core statements.

- ``IncidentIds``: group key → incident id. A group key is fixed when its incident is created, so
  the mapping is cached in memory; entries learned in a transaction only count once it commits.
- ``create_incident``: one INSERT … RETURNING per new group (a few per batch).
- ``refresh_incidents``: ONE select and ONE executemany UPDATE for every incident that took firing
  alerts in the batch: severity, last alert time and the correlator's view (services, root alert,
  title from the root alert's row), ``version + 1`` — what ``refresh_incident`` does for one ORM
  row, without loading ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, func, insert, select, update

from bot.correlate import Correlator
from bot.incidents.enums import SEVERITY_RANK, IncidentStatus
from bot.store.models import Alert, Incident

INCIDENTS: Table = Incident.__table__  # type: ignore[attr-defined]
ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]

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


def create_incident(conn: Connection, *, title: str, key: str, severity: str, now: datetime) -> int:
    row = {
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


def _title(service: str | None, name: str) -> str:
    return (f"{service}: {name}" if service else name)[:255]


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
    for key, incident_id in placed.items():
        row = current.get(incident_id)
        if row is not None and row.status != IncidentStatus.RESOLVED:
            views[incident_id] = correlator.summary(key)
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
            }
        )
    if refresh:
        conn.execute(_REFRESH, refresh)
    if closed:
        conn.execute(_TOUCH_CLOSED, closed)


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
