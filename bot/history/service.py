"""History rows: keyword-only data access for ``SimilarityDoc`` and the past incidents it
points at (their resolution, remediations and "this fixed it" feedback)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, true
from sqlmodel import Session, col, select

from bot.clock import utcnow
from bot.history.models import Outcome, PastIncident
from bot.remediate.enums import State
from bot.store import Feedback, Incident, RemediationRequest, SimilarityDoc

_WORKED = {State.VERIFIED: True, State.NOT_RECOVERED: False, State.ROLLED_BACK: False,
           State.FAILED: False, State.UNVERIFIED: None}  # fmt: skip


def upsert_doc(
    *,
    session: Session,
    incident_id: int,
    investigation_id: int | None,
    kind: str,
    platform: str,
    service: str | None,
    summary: str,
    terms: Sequence[str],
) -> None:
    """One row per incident: its latest investigation replaces the previous one."""
    row = session.exec(
        select(SimilarityDoc).where(SimilarityDoc.incident_id == incident_id)
    ).first() or SimilarityDoc(incident_id=incident_id)
    row.investigation_id = investigation_id
    row.kind, row.platform, row.service = kind[:64], platform[:32], service
    row.summary, row.terms = summary, " ".join(terms)
    row.updated_at = utcnow()
    session.add(row)


def index_key(*, session: Session) -> tuple[Any, ...]:
    """Changes whenever the index must be rebuilt: a doc added or replaced, an incident
    resolved (its note is indexed)."""
    resolved = select(func.max(Incident.resolved_at)).scalar_subquery()
    row = session.exec(
        select(func.count(col(SimilarityDoc.id)), func.max(SimilarityDoc.updated_at), resolved)
    ).one()
    return tuple(row)


def docs(
    *, session: Session, since: tuple[Any, Any] | None = None
) -> list[tuple[int, str, str | None, list[str]]]:
    """Every doc as (incident id, terms, resolution note, services); with ``since`` (the last
    doc write and the last resolution an index saw, either None), only the docs written or
    whose incident resolved at or after those (what changed since)."""
    query = (
        select(
            SimilarityDoc.incident_id,
            SimilarityDoc.terms,
            Incident.resolution_note,
            Incident.services,
        )
        .join(Incident, col(Incident.id) == col(SimilarityDoc.incident_id))
        .order_by(col(SimilarityDoc.incident_id))
    )
    if since is not None:
        updated, resolved = since
        written = col(SimilarityDoc.updated_at) >= updated if updated is not None else true()
        closed = (
            col(Incident.resolved_at) >= resolved
            if resolved is not None
            else col(Incident.resolved_at).is_not(None)
        )
        query = query.where(or_(written, closed))
    return [(i, t, n, list(s or [])) for i, t, n, s in session.exec(query).all()]


def past_incidents(*, session: Session, incident_ids: Sequence[int]) -> dict[int, PastIncident]:
    """The incidents with their cause (from the doc), remediations and fixed-it comments."""
    if not incident_ids:
        return {}
    ids = list(incident_ids)
    rows = session.exec(
        select(Incident, SimilarityDoc)
        .join(SimilarityDoc, col(SimilarityDoc.incident_id) == col(Incident.id), isouter=True)
        .where(col(Incident.id).in_(ids))
    ).all()
    outcomes: dict[int, list[Outcome]] = defaultdict(list)
    for req in session.exec(
        select(RemediationRequest)
        .where(col(RemediationRequest.incident_id).in_(ids))
        .order_by(col(RemediationRequest.id))
    ):
        if req.state in _WORKED and req.incident_id is not None:
            params = {k: str(v) for k, v in (req.params or {}).items()}
            outcomes[req.incident_id].append(
                Outcome(req.action, params, req.state, _WORKED[State(req.state)])
            )
    fixed: dict[int, list[str]] = defaultdict(list)
    for fb in session.exec(
        select(Feedback).where(col(Feedback.incident_id).in_(ids), Feedback.kind == "fixed")
    ):
        if fb.comment and fb.incident_id is not None:
            fixed[fb.incident_id].append(fb.comment)
    out: dict[int, PastIncident] = {}
    for inc, doc in rows:
        assert inc.id is not None
        out[inc.id] = PastIncident(
            incident_id=inc.id, title=inc.title, status=inc.status,
            kind=doc.kind if doc else "", platform=doc.platform if doc else "",
            service=doc.service if doc else None, cause=doc.summary if doc else "",
            created_at=inc.created_at, resolved_at=inc.resolved_at, note=inc.resolution_note,
            outcomes=tuple(outcomes[inc.id]), fixed_notes=tuple(fixed[inc.id]),
            slack_channel=inc.slack_channel, slack_ts=inc.slack_ts,
        )  # fmt: skip
    return out


def doc_terms(*, session: Session, incident_id: int) -> list[str]:
    """The stored terms of one incident ([] when it was never investigated)."""
    terms = session.exec(
        select(SimilarityDoc.terms).where(SimilarityDoc.incident_id == incident_id)
    ).first()
    return terms.split() if terms else []
