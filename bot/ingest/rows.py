"""Alert rows of one ingest batch: deduplicate by ``(source, fingerprint)``, then insert the new
fingerprints and update the repeats with Core statements (no ORM objects: building SQLModel
instances dominated the writer).

The lookup of existing rows is ``source = ? AND fingerprint IN (…)`` per source, which uses the
unique index; a row-value ``(source, fingerprint) IN (VALUES …)`` made SQLite scan the whole index
on every batch, a cost that grew with the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, text, update

from bot.correlate import AlertFacts
from bot.ingest.models import AlertIn
from bot.store.models import Alert

CHUNK = 400
ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]

_EXISTING = select(
    ALERTS.c.id,
    ALERTS.c.source,
    ALERTS.c.fingerprint,
    ALERTS.c.status,
    ALERTS.c.service,
    ALERTS.c.summary,
    ALERTS.c.starts_at,
    ALERTS.c.repeat_count,
    ALERTS.c.incident_id,
).where(
    ALERTS.c.source == bindparam("source"),
    ALERTS.c.fingerprint.in_(bindparam("fingerprints", expanding=True)),
)
_INSERT = insert(ALERTS).returning(ALERTS.c.id, ALERTS.c.source, ALERTS.c.fingerprint)
_INSERT_WITH_ID = insert(ALERTS)
_NEXT_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('alert', 'id')) FROM generate_series(1, :n)"
)
_REPEAT: dict[tuple[str, ...], Any] = {}  # changed columns -> UPDATE statement (built once)


@dataclass
class AlertRec:
    """One alert of the batch, as plain data."""

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
            summary=self.summary,
        )


def _existing(conn: Connection, alerts: Sequence[AlertIn]) -> dict[tuple[str, str], Any]:
    by_source: dict[str, dict[str, None]] = {}
    for a in alerts:
        by_source.setdefault(a.source, {})[a.fingerprint] = None
    found: dict[tuple[str, str], Any] = {}
    for source, fps in by_source.items():
        keys = list(fps)
        for i in range(0, len(keys), CHUNK):
            params = {"source": source, "fingerprints": keys[i : i + CHUNK]}
            for row in conn.execute(_EXISTING, params):
                found[(row.source, row.fingerprint)] = row
    return found


def store_alerts(conn: Connection, alerts: Sequence[AlertIn], now: datetime) -> list[AlertRec]:
    """Insert new fingerprints and update repeats with bulk statements; one record each."""
    existing = _existing(conn, alerts)
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
        ids.update(_insert(conn, list(inserts.values())))
    if updates:
        _update_repeats(conn, updates.values())
    recs: list[AlertRec] = []
    for key, a in plan:
        st = state[key]
        row = existing.get(key)
        recs.append(
            AlertRec(
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


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Insert new rows; their ids by ``(source, fingerprint)``.

    Postgres: ids are drawn from the table's sequence first, so the INSERT is a plain
    executemany (one prepared statement, pipelined by psycopg); INSERT … RETURNING for many rows
    is one long statement that psycopg re-parses on every batch (a quarter of the writer's CPU).
    """
    if conn.dialect.name == "postgresql":
        drawn = conn.execute(_NEXT_IDS, {"n": len(rows)}).scalars().all()
        for row, new_id in zip(rows, drawn, strict=True):
            row["id"] = new_id
        conn.execute(_INSERT_WITH_ID, rows)
        return {(r["source"], r["fingerprint"]): r["id"] for r in rows}
    return {(r.source, r.fingerprint): r.id for r in conn.execute(_INSERT, rows)}


def _update_repeats(conn: Connection, updates: Iterable[dict[str, Any]]) -> None:
    """Repeats of known fingerprints: one executemany per set of changed columns (at most 4)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for upd in updates:
        groups.setdefault(tuple(sorted(upd)), []).append({f"b_{k}": v for k, v in upd.items()})
    for cols, rows in groups.items():
        stmt = _REPEAT.get(cols)
        if stmt is None:
            values = {c: bindparam(f"b_{c}", type_=ALERTS.c[c].type) for c in cols if c != "id"}
            stmt = _REPEAT[cols] = (
                update(ALERTS).where(ALERTS.c.id == bindparam("b_id")).values(**values)
            )
        conn.execute(stmt, rows)
