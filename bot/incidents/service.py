"""Incident data access: keyword-only functions that take a session (Dispatch's ``service.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from bot.changes import service as change_service
from bot.changes.scoring import ChangeFacts, IncidentFacts, top_changes
from bot.errors import NotFound
from bot.incidents.models import (
    AlertLine,
    ChangeLine,
    IncidentView,
    RootVerdict,
    TimelineLine,
)
from bot.store.models import Alert, Incident, Team, TimelineEvent
from bot.teams.scope import TeamScope
from bot.topology import Topology

CHANGE_LOOKBACK = timedelta(hours=24)


def shifted(at: datetime, delta: timedelta) -> datetime:
    """``at + delta``, saturating at the calendar's ends instead of raising OverflowError (a
    time stored before the ingest edge bounded years must not break the incident view)."""
    try:
        return at + delta
    except OverflowError:
        edge = datetime.max if delta > timedelta(0) else datetime.min
        return edge.replace(tzinfo=at.tzinfo)


def get(*, session: Session, incident_id: int) -> Incident:
    row = session.get(Incident, incident_id)
    if row is None:
        raise NotFound(f"no incident #{incident_id}")
    return row


def list_incidents(
    *,
    session: Session,
    status: str | None = None,
    open_only: bool = False,
    limit: int = 50,
    scope: TeamScope | None = None,
) -> list[Incident]:
    """Newest first; with ``scope`` only the incidents of the teams the user sees."""
    stmt = select(Incident).order_by(col(Incident.id).desc()).limit(limit)
    if scope is not None:
        stmt = stmt.where(scope.incident_filter())
    if status:
        stmt = stmt.where(Incident.status == status)
    if open_only:
        stmt = stmt.where(Incident.status != "resolved")
    return list(session.exec(stmt))


def alerts_of(*, session: Session, incident_id: int) -> list[Alert]:
    stmt = select(Alert).where(Alert.incident_id == incident_id).order_by(col(Alert.id))
    return list(session.exec(stmt))


def firing_count(*, session: Session, incident_id: int) -> int:
    stmt = select(func.count()).where(Alert.incident_id == incident_id, Alert.status == "firing")
    return int(session.exec(stmt).one())


def add_timeline(
    *,
    session: Session,
    incident_id: int,
    kind: str,
    text: str,
    at: datetime,
    actor: str | None = None,
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    event = TimelineEvent(
        incident_id=incident_id, kind=kind, text=text, at=at, actor=actor, data=data or {}
    )
    session.add(event)
    return event


def timeline(*, session: Session, incident_id: int) -> list[TimelineLine]:
    get(session=session, incident_id=incident_id)
    stmt = (
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id)
        .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
    )
    return [TimelineLine(e.at, e.kind, e.actor, e.text) for e in session.exec(stmt)]


def alert_line(a: Alert) -> AlertLine:
    assert a.id is not None
    return AlertLine(a.id, a.name, a.service, a.severity, a.status, a.summary, a.source)


def related_changes(
    *,
    session: Session,
    incident: Incident,
    started: datetime,
    root: Alert | None,
    topology: Topology,
) -> list[ChangeLine]:
    rows = change_service.recent(
        session=session,
        since=shifted(started, -CHANGE_LOOKBACK),
        until=shifted(started, timedelta(minutes=2)),
    )
    if not rows:
        return []
    env = root.labels.get("env") or root.labels.get("environment") if root else None
    facts = IncidentFacts(
        started_at=started,
        root_service=root.service if root else None,
        services=list(incident.services),
        environment=env,
    )
    by_id = {r.id: r for r in rows}
    scored = top_changes(
        [ChangeFacts(r.id or 0, r.kind, r.at, r.service, r.environment) for r in rows],
        facts,
        topology,
    )
    out = []
    for s in scored:
        r = by_id[s.change_id]
        out.append(
            ChangeLine(
                r.id or 0, r.kind, r.service, r.source, r.version, r.actor, r.at, s.score, s.why
            )
        )
    return out


def view(*, session: Session, incident_id: int, topology: Topology | None = None) -> IncidentView:
    """The incident as people see it; aggregates in SQL (cost independent of alert count)."""
    inc = get(session=session, incident_id=incident_id)
    firing = func.sum(case((col(Alert.status) == "firing", 1), else_=0))
    total, firing_n, started = session.exec(
        select(func.count(), firing, func.min(Alert.starts_at)).where(
            Alert.incident_id == incident_id
        )
    ).one()
    root = session.get(Alert, inc.root_alert_id) if inc.root_alert_id else None
    if root is not None and root.incident_id != incident_id:
        root = None
    if started is not None and started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    changes = related_changes(
        session=session,
        incident=inc,
        started=started or inc.created_at,
        root=root,
        topology=topology or Topology(),
    )
    assert inc.id is not None
    return IncidentView(
        id=inc.id,
        title=inc.title,
        severity=inc.severity,
        status=inc.status,
        root_alert=alert_line(root) if root else None,
        services=tuple(inc.services),
        alert_count=int(total or 0),
        firing_count=int(firing_n or 0),
        created_at=inc.created_at,
        acknowledged_at=inc.acknowledged_at,
        acknowledged_by=inc.acknowledged_by,
        mitigated_at=inc.mitigated_at,
        resolved_at=inc.resolved_at,
        resolved_by=inc.resolved_by,
        slack_channel=inc.slack_channel,
        slack_ts=inc.slack_ts,
        changes=tuple(changes),
        team=_team_name(session, inc.team_id),
        auto_investigate=inc.auto_investigate,
        escalation_policy=inc.escalation_policy,
        root_verdict=_root_verdict(inc, root),
    )


def _root_verdict(inc: Incident, root: Alert | None) -> RootVerdict | None:
    if root is None or inc.root_basis is None or not inc.root_why:
        return None
    return RootVerdict(inc.root_basis, inc.root_confidence or 0.0, inc.root_why)


def _team_name(session: Session, team_id: int | None) -> str | None:
    if team_id is None:
        return None
    team = session.get(Team, team_id)
    return team.name if team is not None else None
