"""Incident lifecycle and grouping state: triggered → acknowledged → investigating → mitigated →
resolved, with MTTA/MTTR stamps, manual merge/split, comments; every step a TimelineEvent.

``IncidentFlows`` owns the in-memory correlator (rebuilt from the database at start) and the one
lock that serialises writers of grouping state. Transitions carry a ``source`` ("slack", "cli",
"pagerduty", …); listeners get it, so a PagerDuty notifier can skip changes that PagerDuty itself
reported (no loops).

Several processes on one database (replicas, the CLI) keep their correlators in step through the
database: every transaction that changes grouping (an ingest batch, a resolve, a merge, a split)
starts with ``begin_grouping`` — one writer at a time across processes (Postgres: a
transaction-scoped advisory lock; SQLite: ``BEGIN IMMEDIATE``) — and an ingest batch then calls
``catch_up``: incidents named by timeline events newer than the last one this process saw (one
range query on the primary key, empty when nobody else wrote) are reloaded from their rows. Every
grouping change writes a timeline event under that lock, so event ids grow in commit order and
nothing is skipped.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy import select as core_select
from sqlmodel import col, select

from bot import observability
from bot.clock import Clock
from bot.correlate import AlertFacts, CorrelationConfig, Correlator
from bot.errors import Conflict, UserError
from bot.incidents import grouping, service
from bot.incidents.enums import TRANSITIONS, IncidentStatus, TimelineKind
from bot.incidents.grouping_rows import absorb, begin_grouping, last_event, refresh_incident
from bot.incidents.models import IncidentView
from bot.incidents.ports import IncidentPublisher, NullPublisher
from bot.ingest.models import AlertIn, Outcome
from bot.store import Database
from bot.store.models import Alert, Incident, TimelineEvent
from bot.teams.routing import Router
from bot.topology import Topology

Listener = Callable[[IncidentView, str, str], None]  # (view, new status, source)

_TL = TimelineEvent.__table__  # type: ignore[attr-defined]
_INC = Incident.__table__  # type: ignore[attr-defined]
_AL = Alert.__table__  # type: ignore[attr-defined]
_NEWER = core_select(_TL.c.id, _TL.c.incident_id, _TL.c.kind, _TL.c.data).where(
    _TL.c.id > bindparam("seen")
)
_RELOAD = frozenset({TimelineKind.STATUS, TimelineKind.MERGE, TimelineKind.SPLIT})
_OPEN = core_select(_INC.c.id, _INC.c.group_key, _INC.c.status).where(
    _INC.c.status != str(IncidentStatus.RESOLVED)
)
_INCIDENTS = core_select(_INC.c.id, _INC.c.group_key, _INC.c.status).where(
    _INC.c.id.in_(bindparam("ids", expanding=True))
)
_FACTS = core_select(
    _AL.c.id,
    _AL.c.incident_id,
    _AL.c.starts_at,
    _AL.c.name,
    _AL.c.service,
    _AL.c.labels,
    _AL.c.summary,
)
_MEMBERS = _FACTS.where(_AL.c.incident_id.in_(bindparam("ids", expanding=True))).order_by(_AL.c.id)
_ALERTS = _FACTS.where(_AL.c.id.in_(bindparam("ids", expanding=True)))
_CHUNK = 500


def facts_of(alert: Alert) -> AlertFacts:
    assert alert.id is not None
    return AlertFacts(
        id=alert.id,
        at=alert.starts_at,
        name=alert.name,
        service=alert.service,
        labels=dict(alert.labels),
        summary=alert.summary or "",
    )


def new_group_key(alert: AlertFacts) -> str:
    return f"{(alert.service or alert.name)[:200]}/{uuid.uuid4().hex[:12]}"


class IncidentFlows:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        topology: Topology | None = None,
        publisher: IncidentPublisher | None = None,
        config: CorrelationConfig | None = None,
        router: Router | None = None,
    ) -> None:
        self.db = db
        self.router = router or Router()  # which team owns a new incident (off: no team)
        self.clock = clock
        self.topology = topology or Topology()
        self.publisher: IncidentPublisher = publisher or NullPublisher()
        self.correlator = Correlator(self.topology, config=config, key_factory=new_group_key)
        self.lock = threading.RLock()
        self.listeners: list[Listener] = []
        self.group_ids: dict[str, int] = {}  # group key -> incident id (fixed at creation)
        self.seen = 0  # id of the newest timeline event this correlator reflects
        self.rebuild()

    # --- state
    def rebuild(self) -> None:
        """Load every open incident's alerts into a fresh correlator (process start)."""
        with self.lock, self.db.session() as session:
            conn = session.connection()
            begin_grouping(conn, write=False)
            self.correlator = Correlator(
                self.topology, config=self.correlator.config, key_factory=new_group_key
            )
            self.seen = last_event(conn)
            self._load(conn, list(conn.execute(_OPEN)))

    def catch_up(self, conn: Connection) -> int:
        """Apply what other writers committed since ``seen`` (under ``begin_grouping``): an
        alert that joined a known group is added to it; a group with a status change, merge or
        split, or not known yet, is reloaded. Returns how many incidents changed."""
        events = conn.execute(_NEWER, {"seen": self.seen}).all()
        if not events:
            return 0
        self.seen = max(self.seen, max(e.id for e in events))
        reload: set[int] = set()
        joins: list[tuple[int, int]] = []  # (incident id, alert id), in commit order
        for e in sorted(events, key=lambda e: e.id):
            if e.kind in _RELOAD:
                reload.add(e.incident_id)
            elif e.kind == TimelineKind.ALERT and (e.data or {}).get("status") == "firing":
                alert_id = e.data.get("alert_id")
                if isinstance(alert_id, int):
                    joins.append((e.incident_id, alert_id))
        ids = sorted(reload | {i for i, _ in joins})
        rows = _rows(conn, _INCIDENTS, ids)
        keys: dict[int, str] = {}  # open incidents whose group only took alerts
        full = []
        for row in rows:
            if (
                row.status != IncidentStatus.RESOLVED
                and row.id not in reload
                and (row.group_key in self.correlator)
            ):
                keys[row.id] = row.group_key
                continue
            self.correlator.forget(row.group_key)
            if row.status != IncidentStatus.RESOLVED:
                full.append(row)
        self._load(conn, full)
        adds = [(keys[i], a) for i, a in joins if i in keys]
        facts = {a.id: _fact(a) for a in _rows(conn, _ALERTS, sorted({a for _, a in adds}))}
        for key, alert_id in adds:
            if alert_id in facts:
                self.correlator.add(key, facts[alert_id])
        return len(rows)

    def _load(self, conn: Connection, incidents: Sequence[Any]) -> None:
        """Restore the groups of open ``incidents`` (rows: id, group_key) from their alerts."""
        members: dict[int, list[AlertFacts]] = {r.id: [] for r in incidents}
        for a in _rows(conn, _MEMBERS, list(members)):  # by id within each incident
            members[a.incident_id].append(_fact(a))
        for r in incidents:
            self.group_ids[r.group_key] = r.id
            self.correlator.restore(r.group_key, members[r.id])

    @property
    def open_count(self) -> int:
        """Open incident groups this process holds in memory."""
        return self.correlator.open_count

    def view(self, incident_id: int) -> IncidentView:
        with self.db.session() as session:
            return service.view(session=session, incident_id=incident_id, topology=self.topology)

    # --- grouping
    def group_alerts(self, alerts: Sequence[AlertIn]) -> list[Outcome]:
        """Store, deduplicate and group a batch (``bot.incidents.grouping``)."""
        return grouping.group_alerts(self, alerts)

    # --- lifecycle
    def _transition(
        self, incident_id: int, to: IncidentStatus, *, actor: str, source: str, note: str = ""
    ) -> IncidentView:
        now = self.clock.now()
        with self.lock, self.db.session() as session:
            if to == IncidentStatus.RESOLVED:  # the other replicas drop its group
                begin_grouping(session.connection())
            inc = service.get(session=session, incident_id=incident_id)
            current = IncidentStatus(inc.status)
            if current == to:
                raise Conflict(f"incident #{incident_id} is already {to}")
            if to not in TRANSITIONS[current]:
                raise Conflict(f"incident #{incident_id} is {current}; cannot move to {to}")
            inc.status = to
            first_ack = inc.acknowledged_at is None and to != IncidentStatus.RESOLVED
            if to == IncidentStatus.ACKNOWLEDGED or (
                inc.acknowledged_at is None and to != IncidentStatus.RESOLVED
            ):
                inc.acknowledged_at = inc.acknowledged_at or now
                inc.acknowledged_by = inc.acknowledged_by or actor
            if to == IncidentStatus.MITIGATED:
                inc.mitigated_at = now
            if to == IncidentStatus.RESOLVED:
                inc.resolved_at, inc.resolved_by = now, actor
                if note:
                    inc.resolution_note = note
                self.correlator.forget(inc.group_key)  # its alerts start over
            inc.updated_at = now
            inc.version += 1
            observability.incident_transition(to, inc.created_at, now, first_ack)
            text = f"{current} → {to} by {actor}" + (f" via {source}" if source else "")
            if note:
                text += f": {note}"
            service.add_timeline(
                session=session,
                incident_id=incident_id,
                kind=TimelineKind.STATUS,
                text=text,
                at=now,
                actor=actor,
                data={"from": str(current), "to": str(to), "source": source},
            )
            session.flush()
            view = service.view(session=session, incident_id=incident_id, topology=self.topology)
        self.publisher.update(view)
        for listener in self.listeners:
            listener(view, str(to), source)
        return view

    def acknowledge(self, incident_id: int, *, actor: str, source: str = "cli") -> IncidentView:
        return self._transition(
            incident_id, IncidentStatus.ACKNOWLEDGED, actor=actor, source=source
        )

    def investigate(self, incident_id: int, *, actor: str, source: str = "cli") -> IncidentView:
        return self._transition(
            incident_id, IncidentStatus.INVESTIGATING, actor=actor, source=source
        )

    def mitigate(self, incident_id: int, *, actor: str, source: str = "cli") -> IncidentView:
        return self._transition(incident_id, IncidentStatus.MITIGATED, actor=actor, source=source)

    def resolve(
        self, incident_id: int, *, actor: str, source: str = "cli", note: str = ""
    ) -> IncidentView:
        return self._transition(
            incident_id, IncidentStatus.RESOLVED, actor=actor, source=source, note=note
        )

    def comment(self, incident_id: int, *, actor: str, text: str, kind: str = "comment") -> None:
        if not text.strip():
            raise UserError("a comment needs some text")
        with self.db.session() as session:
            service.get(session=session, incident_id=incident_id)
            service.add_timeline(
                session=session,
                incident_id=incident_id,
                kind=kind,
                text=text.strip(),
                at=self.clock.now(),
                actor=actor,
            )

    def assign(self, incident_id: int, *, assignee: str, actor: str) -> IncidentView:
        """Give an open incident an owner (a timeline event; the version moves)."""
        now = self.clock.now()
        with self.lock, self.db.session() as session:
            row = service.get(session=session, incident_id=incident_id)
            if row.status == IncidentStatus.RESOLVED:
                raise Conflict(f"incident #{incident_id} is resolved")
            if row.assignee == assignee:
                raise Conflict(f"<@{assignee}> already owns incident #{incident_id}")
            row.assignee, row.updated_at = assignee, now
            row.version += 1
            service.add_timeline(
                session=session,
                incident_id=incident_id,
                kind="assign",
                text=f"assigned to {assignee}",
                at=now,
                actor=actor,
                data={"assignee": assignee},
            )
            session.flush()
            return service.view(session=session, incident_id=incident_id, topology=self.topology)

    # --- manual grouping
    def merge(self, into_id: int, other_id: int, *, actor: str) -> IncidentView:
        """Move every alert of ``other_id`` into ``into_id``; the other incident is resolved."""
        if into_id == other_id:
            raise UserError("cannot merge an incident into itself")
        now = self.clock.now()
        with self.lock, self.db.session() as session:
            begin_grouping(session.connection())
            self.catch_up(session.connection())
            into = service.get(session=session, incident_id=into_id)
            other = service.get(session=session, incident_id=other_id)
            for inc in (into, other):
                if inc.status == IncidentStatus.RESOLVED:
                    raise Conflict(f"incident #{inc.id} is resolved; reopen is not supported")
            self.correlator.merge(into.group_key, other.group_key)
            absorb(session, into, other, now=now, actor=actor)
            refresh_incident(session, into, self.correlator, now=now)
            session.flush()
            views = [
                service.view(session=session, incident_id=i, topology=self.topology)
                for i in (into_id, other_id)
            ]
        for v in views:
            self.publisher.update(v)
        return views[0]

    def split(self, incident_id: int, alert_ids: Sequence[int], *, actor: str) -> IncidentView:
        """Move ``alert_ids`` out of ``incident_id`` into a new incident (returned)."""
        now = self.clock.now()
        with self.lock, self.db.session() as session:
            begin_grouping(session.connection())
            self.catch_up(session.connection())
            inc = service.get(session=session, incident_id=incident_id)
            if inc.status == IncidentStatus.RESOLVED:
                raise Conflict(f"incident #{incident_id} is resolved")
            rows = list(session.exec(select(Alert).where(col(Alert.id).in_(list(alert_ids)))))
            if len(rows) != len(set(alert_ids)) or any(a.incident_id != incident_id for a in rows):
                raise UserError(f"every alert to split must belong to incident #{incident_id}")
            new_key = new_group_key(facts_of(rows[0]))
            self.correlator.split(inc.group_key, list(alert_ids), new_key)
            fresh = Incident(title="(split)", group_key=new_key, created_at=now, updated_at=now)
            session.add(fresh)
            session.flush()
            assert fresh.id is not None
            for a in rows:
                a.incident_id = fresh.id
            for target in (inc, fresh):
                refresh_incident(session, target, self.correlator, now=now)
            ids = ", ".join(f"#{a}" for a in alert_ids)
            for target, text in (
                (inc, f"alerts {ids} split out into incident #{fresh.id}"),
                (fresh, f"split from incident #{incident_id} with alerts {ids}"),
            ):
                assert target.id is not None
                service.add_timeline(
                    session=session,
                    incident_id=target.id,
                    kind=TimelineKind.SPLIT,
                    text=text,
                    at=now,
                    actor=actor,
                )
            session.flush()
            old_view = service.view(
                session=session, incident_id=incident_id, topology=self.topology
            )
            new_view = service.view(session=session, incident_id=fresh.id, topology=self.topology)
        self.publisher.update(old_view)
        ref = self.publisher.publish(new_view)
        if ref is not None:
            self.set_message(new_view.id, ref.channel, ref.ts)
        return new_view

    def set_message(self, incident_id: int, channel: str, ts: str) -> None:
        with self.db.session() as session:
            inc = service.get(session=session, incident_id=incident_id)
            inc.slack_channel, inc.slack_ts = channel, ts


def _fact(a: Any) -> AlertFacts:
    return AlertFacts(a.id, a.starts_at, a.name, a.service, dict(a.labels or {}), a.summary or "")


def _rows(conn: Connection, stmt: Any, ids: list[int]) -> list[Any]:
    """``stmt`` (with an expanding ``ids`` parameter) run over ``ids`` in chunks."""
    out: list[Any] = []
    for i in range(0, len(ids), _CHUNK):
        out += conn.execute(stmt, {"ids": ids[i : i + _CHUNK]}).all()
    return out
