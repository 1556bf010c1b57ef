"""One labelled outcome, filed under the incident's signature, recorded once.

Every door that learns something (a remediation's end state, a feedback click, a rating, "what
fixed it") builds a ``Label`` and calls ``record``; the ``dedup_key`` makes a retried click or a
re-settled remediation a no-op.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.clock import Clock, SystemClock
from bot.learn.cases import filed_under
from bot.learn.enums import Source, Subject, Verdict
from bot.store import Database, FixOutcome

log = logging.getLogger(__name__)

MAX_FIX = 255


@dataclass(frozen=True)
class Label:
    dedup_key: str
    source: Source
    subject: Subject
    fix: str
    verdict: Verdict
    user: str = "aiops"
    incident_id: int | None = None
    investigation_id: int | None = None
    service: str | None = None
    rating: int | None = None
    note: str = ""


def record(db: Database, label: Label, *, clock: Clock | None = None) -> FixOutcome | None:
    """File ``label`` under its signature; None when this key was recorded before."""
    filed = filed_under(db, investigation_id=label.investigation_id, incident_id=label.incident_id)
    row = FixOutcome(
        dedup_key=label.dedup_key[:255], key=filed.signature.key,
        incident_class=filed.signature.incident_class,
        signature=filed.signature.model_dump(mode="json"), incident_id=label.incident_id,
        investigation_id=label.investigation_id or filed.investigation_id,
        source=label.source, subject=label.subject, fix=label.fix.strip()[:MAX_FIX],
        service=label.service, verdict=int(label.verdict), rating=label.rating, user=label.user,
        note=label.note, at=(clock or SystemClock()).now(),
    )  # fmt: skip
    try:
        with db.session() as s:
            if s.exec(select(FixOutcome).where(FixOutcome.dedup_key == row.dedup_key)).first():
                return None
            s.add(row)
    except IntegrityError:  # a concurrent twin won the unique key
        return None
    log.info(
        "learned: %s %s %s=%s on %s (%s)", label.source, label.subject, label.fix,
        int(label.verdict), filed.signature.family, label.dedup_key,
    )  # fmt: skip
    return row
