"""A change (deploy, config, scaling) arrives: store it once, and note it on the timeline of the
open incidents it may explain (same service, or one related in the topology)."""

from __future__ import annotations

from bot.changes import service as change_service
from bot.changes.models import ChangeIn
from bot.incidents import service
from bot.incidents.enums import TimelineKind
from bot.incidents.flows import IncidentFlows
from bot.store.models import ChangeEvent


def record_change(flows: IncidentFlows, change: ChangeIn) -> tuple[ChangeEvent, bool]:
    """Store a change once; a new one is noted on the timeline of related open incidents."""
    now = flows.clock.now()
    with flows.db.session() as session:
        row, created = change_service.create(session=session, change=change)
        if not (created and change.service):
            return row, created
        for inc in service.list_incidents(session=session, open_only=True, limit=500):
            services = set(inc.services)
            near = change.service in services or any(
                flows.topology.related(change.service, s) for s in services
            )
            if near and inc.id is not None:
                service.add_timeline(
                    session=session,
                    incident_id=inc.id,
                    kind=TimelineKind.CHANGE,
                    at=now,
                    text=f"{change.kind} of {change.service} {change.version or ''} "
                    f"via {change.source}".replace("  ", " "),
                    data={"change_id": row.id},
                )
    return row, created
