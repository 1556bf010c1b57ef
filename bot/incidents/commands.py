"""Incident commands every door shares: list, assign, timeline, feedback.

Each takes the ``IncidentFlows`` (its database, clock and lock) and returns plain rows or
views; ``/aiops …`` in Slack, ``aiops incident …`` in the terminal and the App Home render them.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.errors import Conflict
from bot.incidents import service
from bot.incidents.flows import IncidentFlows
from bot.incidents.models import IncidentView, TimelineLine
from bot.store import Database, Feedback, Incident


def open_ids(db: Database, *, limit: int = 50, include_resolved: bool = False) -> list[int]:
    """Ids of open incidents (with ``include_resolved``: of all), newest first."""
    with db.session() as s:
        rows = service.list_incidents(session=s, open_only=not include_resolved, limit=limit)
    return [r.id for r in rows if r.id is not None]


def listed(db: Database, *, limit: int = 50, include_resolved: bool = False) -> list[Incident]:
    """The incident rows themselves (the terminal's table), newest first."""
    with db.session() as s:
        return service.list_incidents(session=s, open_only=not include_resolved, limit=limit)


def open_views(flows: IncidentFlows, *, limit: int = 50) -> list[IncidentView]:
    return [flows.view(i) for i in open_ids(flows.db, limit=limit)]


def assignee_of(db: Database, incident_id: int) -> str | None:
    with db.session() as s:
        row = s.get(Incident, incident_id)
        return row.assignee if row is not None else None


def assign(flows: IncidentFlows, incident_id: int, who: str, *, actor: str) -> None:
    """Make ``who`` the owner; refused on a resolved incident or when nothing changes."""
    now = flows.clock.now()
    with flows.lock, flows.db.session() as s:
        row = service.get(session=s, incident_id=incident_id)
        if row.status == "resolved":
            raise Conflict(f"incident #{incident_id} is resolved")
        if row.assignee == who:
            raise Conflict(f"<@{who}> already owns incident #{incident_id}")
        row.assignee, row.updated_at = who, now
        row.version += 1
        service.add_timeline(
            session=s, incident_id=incident_id, kind="assign", text=f"assigned to {who}",
            at=now, actor=actor, data={"assignee": who},
        )  # fmt: skip


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
