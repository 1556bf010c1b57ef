"""ChangeEvent data access (keyword-only, session first)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.changes.models import ChangeIn
from bot.store.models import ChangeEvent


def get_by_external(*, session: Session, source: str, external_id: str) -> ChangeEvent | None:
    stmt = select(ChangeEvent).where(
        ChangeEvent.source == source, ChangeEvent.external_id == external_id
    )
    return session.exec(stmt).first()


def create(*, session: Session, change: ChangeIn) -> tuple[ChangeEvent, bool]:
    """Store a change once (unique source + external id); returns (row, created)."""
    found = get_by_external(session=session, source=change.source, external_id=change.external_id)
    if found is not None:
        return found, False
    row = ChangeEvent(
        source=change.source,
        external_id=change.external_id[:255],
        kind=change.kind,
        service=change.service,
        environment=change.environment,
        version=change.version,
        previous=change.previous,
        actor=change.actor,
        at=change.at,
        detail=change.detail,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent delivery stored it first
        found = get_by_external(
            session=session, source=change.source, external_id=change.external_id
        )
        assert found is not None
        return found, False
    return row, True


def recent(
    *, session: Session, since: datetime, until: datetime, limit: int = 500
) -> list[ChangeEvent]:
    stmt = (
        select(ChangeEvent)
        .where(col(ChangeEvent.at) >= since, col(ChangeEvent.at) <= until)
        .order_by(col(ChangeEvent.at).desc())
        .limit(limit)
    )
    return list(session.exec(stmt))
