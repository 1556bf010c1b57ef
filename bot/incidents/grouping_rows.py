"""Row-level pieces of grouping shared by ``IncidentFlows`` and the ingest writer: the
cross-process writer lock, the newest timeline event id, and the row side of a merge and of a
correlator change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func
from sqlalchemy import select as core_select
from sqlmodel import Session

from bot.correlate import Correlator
from bot.incidents import service
from bot.incidents.enums import IncidentStatus, TimelineKind
from bot.store.models import Alert, Incident, TimelineEvent

#: ``pg_advisory_xact_lock`` key taken by every transaction that changes grouping ("aiopsgrp").
GROUPING_LOCK = 0x6169_6F70_7367_7270
_TL = TimelineEvent.__table__  # type: ignore[attr-defined]
_LAST_EVENT = core_select(func.max(_TL.c.id))


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
    if root_id is not None:
        inc.root_alert_id = root_id
        root = session.get(Alert, root_id)
        if root is not None:
            inc.title = f"{root.service}: {root.name}" if root.service else root.name
            inc.title = inc.title[:255]
