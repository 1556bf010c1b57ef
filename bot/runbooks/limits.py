"""A runbook's ``rate_limit``: at most ``max`` requests of it per ``per_minutes``, counted from
the stored remediation requests (every replica sees the same count). Rejected and expired
requests do not count: nothing ran."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.errors import Conflict
from bot.remediate.runbooks import Runbook
from bot.store import Database, RemediationRequest

_NOT_RUN = ("rejected", "expired")


def recent_requests(db: Database, name: str, *, since: datetime) -> int:
    """Requests of runbook ``name`` created since ``since`` that were not rejected or expired."""
    with db.session() as s:
        rows = s.exec(
            select(RemediationRequest.params)
            .where(col(RemediationRequest.action) == "runbook.run")
            .where(col(RemediationRequest.created_at) >= since)
            .where(col(RemediationRequest.state).not_in(_NOT_RUN))
        ).all()
    return sum(1 for params in rows if (params or {}).get("name") == name)


def check_rate(db: Database, book: Runbook, *, now: datetime) -> None:
    """Raise ``Conflict`` when ``book`` already reached its rate limit."""
    limit = book.rate_limit
    if limit is None:
        return
    count = recent_requests(db, book.name, since=now - timedelta(minutes=limit.per_minutes))
    if count >= limit.max:
        raise Conflict(
            f"runbook {book.name} reached its rate limit ({count} request(s) in the last "
            f"{limit.per_minutes} min; at most {limit.max})",
            hint="wait, or raise rate_limit in the runbook",
        )
