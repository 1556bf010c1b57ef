"""Incident commands every door shares: list, timeline, feedback (assign is ``IncidentFlows``).

Each takes the ``IncidentFlows`` (its database, clock and lock) and returns plain rows or
views; ``/aiops …`` in Slack, ``aiops incident …`` in the terminal and the App Home render them.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.errors import Conflict
from bot.incidents import service
from bot.incidents.flows import IncidentFlows
from bot.incidents.models import IncidentView, TimelineLine
from bot.store import Alert, Database, Feedback, Incident
from bot.teams.scope import TeamScope


def open_ids(
    db: Database,
    *,
    limit: int = 50,
    include_resolved: bool = False,
    scope: TeamScope | None = None,
) -> list[int]:
    """Ids of open incidents (with ``include_resolved``: of all), newest first; with ``scope``
    only those of the teams the user sees."""
    with db.session() as s:
        rows = service.list_incidents(
            session=s, open_only=not include_resolved, limit=limit, scope=scope
        )
    return [r.id for r in rows if r.id is not None]


def listed(db: Database, *, limit: int = 50, include_resolved: bool = False) -> list[Incident]:
    """The incident rows themselves (the terminal's table), newest first."""
    with db.session() as s:
        return service.list_incidents(session=s, open_only=not include_resolved, limit=limit)


def open_views(
    flows: IncidentFlows, *, limit: int = 50, scope: TeamScope | None = None
) -> list[IncidentView]:
    return [flows.view(i) for i in open_ids(flows.db, limit=limit, scope=scope)]


def assignee_of(db: Database, incident_id: int) -> str | None:
    with db.session() as s:
        row = s.get(Incident, incident_id)
        return row.assignee if row is not None else None


def timeline(db: Database, incident_id: int) -> list[TimelineLine]:
    with db.session() as s:
        return service.timeline(session=s, incident_id=incident_id)


def give_feedback(
    flows: IncidentFlows,
    *,
    user: str,
    kind: str,
    incident_id: int | None,
    investigation_id: int | None,
) -> None:
    """One piece of feedback per (investigation, user, kind); a second one is a Conflict."""
    try:
        with flows.db.session() as s:
            s.add(
                Feedback(
                    incident_id=incident_id, investigation_id=investigation_id, user=user,
                    kind=kind, at=flows.clock.now(),
                )
            )  # fmt: skip
    except IntegrityError:
        raise Conflict("You already gave this feedback; thanks!") from None


def every_incident_with_alerts(db: Database) -> list[tuple[Incident, list[Alert]]]:
    """Every incident in id order with its alerts (an incident merged away has none)."""
    with db.session() as s:
        rows = sorted(service.list_incidents(session=s, limit=100_000), key=lambda r: r.id or 0)
        return [(r, service.alerts_of(session=s, incident_id=r.id or 0)) for r in rows]
