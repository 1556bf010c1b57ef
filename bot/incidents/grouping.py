"""The grouping transaction: alerts in, incidents out, in four steps.

1. **store** — ``bot.ingest.rows.store_alerts`` deduplicates the batch and upserts alert rows
   (a repeat of a fingerprint updates its row, ``repeat_count``, never duplicates it);
2. **place** — each firing alert goes to the correlator, which names its group; a new group opens
   an incident, a group that swallowed others merges their incidents;
3. **write** — alert moves, timeline rows and incident refreshes as a few bulk statements;
4. **publish** — after commit, one message per new incident and one folded thread reply per
   incident per batch.

Steps 1–3 run in ONE transaction that starts with ``begin_grouping`` and ``catch_up`` (see
``bot.incidents.flows``), so replicas on one database place alerts one batch at a time, each with
what the others committed: one service's alerts arriving at three replicas open one incident.

A ``resolved`` alert ends its row; when every alert of an incident has ended the incident's thread
gets an offer to resolve it (the incident itself stays open until a person or PagerDuty resolves
it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, insert
from sqlmodel import Session

from bot.incidents import service
from bot.incidents.enums import SEVERITY_RANK, TimelineKind
from bot.incidents.grouping_rows import (
    IncidentIds,
    absorb,
    begin_grouping,
    create_incident,
    firing_counts,
    last_event,
    move_alerts,
    refresh_incidents,
)
from bot.incidents.models import AlertLine, IncidentView
from bot.incidents.ports import NullPublisher
from bot.ingest.models import AlertIn, Outcome
from bot.ingest.rows import AlertRec, store_alerts
from bot.store.models import Incident, TimelineEvent

if TYPE_CHECKING:  # flows calls into this module; the type is all this module needs of it
    from bot.incidents.flows import IncidentFlows

TIMELINE: Table = TimelineEvent.__table__  # type: ignore[attr-defined]
_INSERT_TIMELINE = insert(TIMELINE)

Views = dict[int, tuple[IncidentView, list[AlertLine]]]


@dataclass
class _Touched:
    created: bool = False
    alerts: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)


class _Batch:
    """What one transaction learns while it places a batch, and the rows it then writes."""

    def __init__(self, flows: IncidentFlows, recs: list[AlertRec], now: datetime) -> None:
        self.flows, self.recs, self.now = flows, recs, now
        self.keys = IncidentIds(flows.group_ids)
        self.touched: dict[int, _Touched] = {}
        self.outcomes: list[Outcome] = []
        self.timeline: list[dict[str, Any]] = []
        self.moved: dict[int, int] = {}  # alert id -> incident id
        self.placed: dict[str, int] = {}  # group key -> incident id, groups given a firing alert
        self.severities: dict[int, str] = {}  # incident id -> highest severity of firing alerts
        self.unowned: list[tuple[int, str]] = []  # (incident id, service) first seen unowned

    # --- place
    def place(self, session: Session, rec: AlertRec) -> None:
        incident_id, joined = rec.incident_id, False
        if rec.status == "firing":
            incident_id, joined = self._join(session, rec)
        if incident_id is None:
            self.outcomes.append(Outcome(rec.id, None, rec.created, False))
            return
        t = self.touched.setdefault(incident_id, _Touched())
        # every alert that joins an incident is on its timeline: other replicas see it
        if rec.created or joined or (rec.status == "firing") != rec.was_firing:
            self._note(rec, incident_id, t)
        self.outcomes.append(Outcome(rec.id, incident_id, rec.created, t.created))

    def _join(self, session: Session, rec: AlertRec) -> tuple[int, bool]:
        """The incident of a firing alert's group (opened if new); whether the alert moved."""
        conn = session.connection()
        placement = self.flows.correlator.place(rec.facts())
        incident_id = self.placed.get(placement.key) or self.keys.lookup(conn, placement.key)
        if incident_id is None:
            route, unowned = self._route(conn, rec)
            incident_id = create_incident(
                conn, title=rec.name, key=placement.key, severity=rec.severity, now=self.now,
                route=route,
            )  # fmt: skip
            if unowned is not None:
                self._unowned_note(incident_id, unowned)
            self.keys.add(placement.key, incident_id)
            self.touched.setdefault(incident_id, _Touched()).created = True
        self.placed[placement.key] = incident_id
        for gone in placement.merged:
            self._merge(session, gone, incident_id)
        joined = rec.incident_id != incident_id
        if joined:
            rec.incident_id = incident_id
            self.moved[rec.id] = incident_id
        best = self.severities.get(incident_id)
        if best is None or SEVERITY_RANK.get(rec.severity, 1) > SEVERITY_RANK.get(best, 1):
            self.severities[incident_id] = rec.severity
        return incident_id, joined

    def _route(self, conn: Connection, rec: AlertRec) -> tuple[dict[str, Any] | None, str | None]:
        """The new incident's team and where it goes (``bot.teams.routing``), and the service
        when it is the first time this process sees it without an owner (noted once)."""
        router = self.flows.router
        route = router.route(rec.service, rec.labels)
        if route is None:
            return None, None
        unowned = None
        if not route.known and router.first_unknown(rec.service):
            unowned = rec.service or "(no service)"
        return {
            "team_id": router.team_id(conn, route.team),
            "slack_channel": route.channel,
            "escalation_policy": route.escalation,
            "auto_investigate": route.auto_investigate,
        }, unowned

    def _unowned_note(self, incident_id: int, service: str) -> None:
        assert self.flows.router.config is not None
        team = self.flows.router.config.default_team
        text = (
            f"service {service} has no owner in services.yaml: this incident went to the "
            f"default team {team}; add the service to services.yaml to route it"
        )
        self.unowned.append((incident_id, text))
        self.timeline.append(
            dict(incident_id=incident_id, kind=str(TimelineKind.NOTIFICATION), at=self.now,
                 actor="aiops", text=text, data={"unowned_service": service})
        )  # fmt: skip

    def _merge(self, session: Session, gone_key: str, incident_id: int) -> None:
        """The correlator merged group ``gone_key`` into this one: so do the rows (rare)."""
        other = self.keys.lookup(session.connection(), gone_key)
        if other is None or other == incident_id:
            return
        into_row = session.get(Incident, incident_id, populate_existing=True)
        other_row = session.get(Incident, other, populate_existing=True)
        assert into_row is not None and other_row is not None
        absorb(session, into_row, other_row, now=self.now, actor="aiops")
        session.flush()
        self.touched.setdefault(other, _Touched())
        for r in self.recs:
            if r.incident_id == other:
                r.incident_id = incident_id
        for alert_id, iid in list(self.moved.items()):
            if iid == other:
                self.moved[alert_id] = incident_id

    def _note(self, rec: AlertRec, incident_id: int, t: _Touched) -> None:
        t.alerts.append(rec.id)
        if rec.status == "resolved":
            t.resolved.append(rec.id)
        verb = "fired" if rec.status == "firing" else "resolved"
        self.timeline.append(
            dict(
                incident_id=incident_id,
                kind=str(TimelineKind.ALERT),
                at=self.now,
                actor=None,
                text=f"alert #{rec.id} {rec.name} ({rec.service or '-'}) {verb}",
                data={"alert_id": rec.id, "status": rec.status, "source": rec.source},
            )
        )

    # --- write
    def write(self, conn: Connection) -> set[int]:
        """Alert moves, timeline rows, incident refreshes; returns the incidents to offer to
        resolve (every alert has ended)."""
        if self.moved:
            move_alerts(conn, self.moved)
        if self.timeline:
            conn.execute(_INSERT_TIMELINE, self.timeline)
        refresh_incidents(conn, self.flows.correlator, self.placed, self.severities, now=self.now)
        return self._offers(conn)

    def _offers(self, conn: Connection) -> set[int]:
        ended = [inc_id for inc_id, t in self.touched.items() if t.resolved]
        if not ended:
            return set()
        counts = firing_counts(conn, ended)
        offers = {i for i, (status, n) in counts.items() if status != "resolved" and n == 0}
        notes: list[dict[str, Any]] = [
            dict(
                incident_id=inc_id,
                kind=str(TimelineKind.NOTIFICATION),
                at=self.flows.clock.now(),
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

    def results(self) -> list[Outcome]:
        """One outcome per input alert, with the incident it ended in after any merge."""
        return [
            Outcome(o.alert_id, self.moved.get(o.alert_id, o.incident_id), o.created_alert,
                    o.created_incident)
            for o in self.outcomes
        ]  # fmt: skip

    def views(self, session: Session) -> Views:
        """What publish needs of each touched incident, read inside the transaction."""
        session.expire_all()  # ORM rows loaded by a merge are older than the Core updates
        by_id = {rec.id: rec for rec in self.recs}
        views: Views = {}
        for inc_id, t in self.touched.items():
            view = service.view(session=session, incident_id=inc_id, topology=self.flows.topology)
            views[inc_id] = (view, [_line(by_id[a]) for a in t.alerts if a in by_id])
        return views


def group_alerts(flows: IncidentFlows, alerts: Sequence[AlertIn]) -> list[Outcome]:
    """Store, deduplicate and group a batch; returns one outcome per input alert."""
    if not alerts:
        return []
    now = flows.clock.now()
    views: Views = {}
    with flows.lock, flows.db.session() as session, session.no_autoflush:
        conn = session.connection()
        begin_grouping(conn)
        flows.catch_up(conn)
        batch = _Batch(flows, store_alerts(conn, alerts, now), now)  # 1. store
        for rec in batch.recs:  # 2. place
            batch.place(session, rec)
        offers = batch.write(conn)  # 3. write
        seen = last_event(conn)  # our own events: nothing to catch up on next time
        if not isinstance(flows.publisher, NullPublisher):  # nobody reads views it would drop
            views = batch.views(session)
    batch.keys.commit()
    flows.seen = max(flows.seen, seen)
    if views:  # 4. publish
        created = {i: t.created for i, t in batch.touched.items()}
        _publish(flows, created, views, offers, batch.unowned)
    return batch.results()


def _line(rec: AlertRec) -> AlertLine:
    return AlertLine(
        rec.id, rec.name, rec.service, rec.severity, rec.status, rec.summary, rec.source
    )


def _publish(
    flows: IncidentFlows,
    created: dict[int, bool],
    views: Views,
    offers: set[int],
    unowned: Sequence[tuple[int, str]] = (),
) -> None:
    for inc_id, (view, lines) in views.items():
        if created[inc_id] and view.slack_ts is None:
            ref = flows.publisher.publish(view)
            if ref is not None:
                flows.set_message(inc_id, ref.channel, ref.ts)
        else:
            flows.publisher.update(view)
        if lines and not created[inc_id]:
            firing = sum(1 for a in lines if a.status == "firing")
            ended = len(lines) - firing
            parts = [f"{firing} new alert(s)"] if firing else []
            parts += [f"{ended} ended"] if ended else []
            flows.publisher.thread(view, ", ".join(parts), alerts=lines)
        if inc_id in offers:
            flows.publisher.thread(view, "Every alert of this incident has ended. Resolve it?")
    for inc_id, text in unowned:
        if inc_id in views:
            flows.publisher.thread(views[inc_id][0], f":warning: {text}")
