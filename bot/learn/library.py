"""The fix library: per kind of incident, which actions, runbooks and hand fixes worked, which
did not, how often, and when last.

Rows are grouped by the signature's family (incident class and platforms) and the fix; each
incident counts once (worked when the fix worked there at least once). ``service`` keeps the
outcomes of incidents on that service, ``kind`` those of an incident class or a platform.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from bot.learn.enums import Subject
from bot.learn.signature import IncidentSignature
from bot.learn.weigh import tally
from bot.store import Database, FixOutcome, Incident

FIX_SUBJECTS = (Subject.ACTION, Subject.RUNBOOK, Subject.TEXT)


@dataclass(frozen=True)
class FixRecord:
    family: str  # incident class / platforms
    subject: str  # action | runbook | text
    fix: str
    worked: int
    failed: int
    last_incident: int | None
    last_at: datetime | None


def _wanted(
    row: FixOutcome,
    sig: IncidentSignature,
    services: dict[int, list[str]],
    *,
    service: str | None,
    kind: str | None,
) -> bool:
    if kind and kind not in (sig.incident_class, *sig.platforms):
        return False
    if service:
        on = services.get(row.incident_id or 0, [])
        return row.service == service or service in on
    return True


def fix_library(
    db: Database, *, service: str | None = None, kind: str | None = None, limit: int = 200
) -> list[FixRecord]:
    """The library, best-proven fixes first within each family."""
    with db.session() as s:
        rows = list(s.exec(select(FixOutcome).where(col(FixOutcome.subject).in_(FIX_SUBJECTS))))
        ids = {r.incident_id for r in rows if r.incident_id is not None}
        services = {
            i.id: list(i.services or [])
            for i in s.exec(select(Incident).where(col(Incident.id).in_(ids)))
            if i.id is not None
        }  # fmt: skip
    groups: dict[tuple[str, str, str], list[FixOutcome]] = defaultdict(list)
    for row in rows:
        sig = IncidentSignature.load(row.signature, row.incident_class)
        if _wanted(row, sig, services, service=service, kind=kind):
            groups[(sig.family, row.subject, row.fix)].append(row)
    out = []
    for (family, subject, fix), outcomes in groups.items():
        t = tally(outcomes, lambda o: True)
        if t.seen:
            out.append(FixRecord(family, subject, fix, t.worked, t.failed, t.last_incident,
                                 t.last_at))  # fmt: skip
    out.sort(key=lambda r: (r.family, -(r.worked - r.failed), -r.worked, r.fix))
    return out[:limit]
