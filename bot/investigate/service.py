"""Investigation rows: keyword-only data access over a ``bot.store`` Database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.investigate.models import InvestigationResult
from bot.store.models import Investigation


def save_result(
    db: Any,
    result: InvestigationResult,
    *,
    incident_id: int | None = None,
    requested_by: str | None = None,
) -> int:
    """Store one finished investigation with every step's input, output and duration."""
    started = result.started_at or datetime.now(UTC)
    row = Investigation(
        incident_id=incident_id,
        query=result.query,
        incident_class=result.classification.incident_class,
        status="done",
        requested_by=requested_by,
        targets={
            "services": result.classification.targets,
            "playbooks": result.classification.playbooks,
            "secondary": result.classification.secondary,
        },
        steps=[s.model_dump(mode="json") for s in result.steps],
        facts=[f.model_dump(mode="json") for f in result.facts],
        hypotheses=[h.model_dump(mode="json") for h in result.hypotheses],
        actions=[a.model_dump(mode="json") for a in result.actions],
        next_steps=list(result.next_steps),
        started_at=started,
        finished_at=started + timedelta(milliseconds=result.duration_ms),
    )
    with db.session() as session:
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def get(*, db: Any, investigation_id: int) -> Investigation | None:
    with db.session() as session:
        return session.get(Investigation, investigation_id)


def list_for_incident(*, db: Any, incident_id: int) -> list[Investigation]:
    with db.session() as session:
        query = select(Investigation).where(Investigation.incident_id == incident_id)
        return list(session.exec(query))


def add_target(*, db: Any, investigation_id: int, kind: str, value: Any) -> None:
    """Remember where the investigation was posted (``kind``: a channel kind such as "slack")."""
    with db.session() as session:
        row = session.get(Investigation, investigation_id)
        if row is not None:
            row.targets = {**(row.targets or {}), kind: value}
