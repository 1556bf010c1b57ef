"""Similar past incidents: remember each investigated incident, find the closest ones.

``remember`` stores the terms of an incident's investigation (``terms.investigation_terms``)
with the cause it concluded; ``similar_to_result`` scores the stored incidents against a new
investigation (BM25, ``index.py``) and returns the closest with their cause and outcomes (what
fixed them, what did not, and where their Slack thread is). The Slack thread, the CLI and the
LLM prompt (``PromptHistory``) read the same answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bot.history import service
from bot.history.index import changed, index_for
from bot.history.models import SimilarIncident
from bot.history.terms import case_terms, investigation_terms, platform_of
from bot.investigate.classify import AlertView
from bot.investigate.models import Finding, Hypothesis, InvestigationResult
from bot.topology import Topology
from integrations.anthropic_llm import redact_personal

log = logging.getLogger(__name__)

DEFAULT_K = 3


def remember(
    db: Any,
    result: InvestigationResult,
    *,
    incident_id: int,
    investigation_id: int | None,
    topology: Topology,
    alerts: Sequence[AlertView] = (),
) -> None:
    """Store what retrieval reads of this incident (its latest investigation wins)."""
    terms = investigation_terms(
        result, topology, alerts=[a.name for a in alerts],
        alert_services=[a.service or "" for a in alerts],
    )  # fmt: skip
    top = max(result.hypotheses, key=lambda h: h.confidence, default=None)
    where = top.service if top else None
    with db.session() as session:
        service.upsert_doc(
            session=session, incident_id=incident_id, investigation_id=investigation_id,
            kind=top.kind if top else "", platform=platform_of(topology, where), service=where,
            summary=top.summary if top else "", terms=terms,
        )  # fmt: skip
    changed(db)


#: how many more hits to read when some may belong to other teams
TEAM_WIDEN = 4


def _same_team(session: Any, incident_id: int, hits: list[Any]) -> list[Any]:
    from sqlmodel import col, select

    from bot.store import Incident

    ids = [incident_id, *(h.incident_id for h in hits)]
    teams = dict(
        session.exec(select(Incident.id, Incident.team_id).where(col(Incident.id).in_(ids))).all()
    )
    mine = teams.get(incident_id)
    return [h for h in hits if teams.get(h.incident_id) == mine]


def similar_to(
    db: Any, terms: Sequence[str], *, k: int = DEFAULT_K, exclude: int | None = None
) -> list[SimilarIncident]:
    """The ``k`` past incidents closest to ``terms`` (never ``exclude``), closest first. When
    ``exclude`` is an incident, only its own team's past incidents are shown (team isolation:
    another team's incident must not appear in this one's thread)."""
    hits = index_for(db).search(terms, k=k * TEAM_WIDEN, exclude=exclude)
    if not hits:
        return []
    with db.session() as session:
        if exclude is not None:
            hits = _same_team(session, exclude, hits)
        hits = hits[:k]
        past = service.past_incidents(session=session, incident_ids=[h.incident_id for h in hits])
    return [SimilarIncident(past[h.incident_id], h.score, h.shared) for h in hits
            if h.incident_id in past]  # fmt: skip


def similar_to_incident(db: Any, incident_id: int, *, k: int = DEFAULT_K) -> list[SimilarIncident]:
    """The past incidents closest to a stored one (none when it was never investigated)."""
    with db.session() as session:
        terms = service.doc_terms(session=session, incident_id=incident_id)
    return similar_to(db, terms, k=k, exclude=incident_id) if terms else []


def similar_to_result(
    db: Any,
    result: InvestigationResult,
    *,
    topology: Topology,
    alerts: Sequence[AlertView] = (),
    exclude: int | None = None,
    k: int = DEFAULT_K,
) -> list[SimilarIncident]:
    terms = investigation_terms(
        result, topology, alerts=[a.name for a in alerts],
        alert_services=[a.service or "" for a in alerts],
    )  # fmt: skip
    return similar_to(db, terms, k=k, exclude=exclude)


def prompt_lines(found: Sequence[SimilarIncident]) -> list[str]:
    """Past incidents as lines for the model, redacted (secrets, e-mail and IP addresses)."""
    lines = []
    for s in found:
        p = s.past
        fixed = "; ".join(p.fixed_by) or "not recorded"
        failed = "; ".join(p.did_not_fix) or "none recorded"
        lines.append(redact_personal(
            f"- #{p.incident_id} ({p.created_at:%Y-%m-%d}): {p.kind or 'cause unknown'} on a "
            f"{p.platform or 'unknown'} service: {p.cause}. Fixed by: {fixed}. "
            f"Did not fix: {failed}."
        ))  # fmt: skip
    return lines


class PromptHistory:
    """``bot.investigate``'s history port: the closest past incidents for the LLM prompt."""

    def __init__(self, db: Any, *, exclude: int | None = None, k: int = DEFAULT_K) -> None:
        self.db, self.exclude, self.k = db, exclude, k

    def lines(
        self,
        topology: Topology,
        *,
        query: str,
        hypotheses: Sequence[Hypothesis],
        findings: Sequence[Finding],
        targets: Sequence[str],
        alerts: Sequence[AlertView],
    ) -> list[str]:
        terms = case_terms(
            topology, hypotheses=hypotheses, findings=findings, targets=targets, query=query,
            alerts=[a.name for a in alerts], alert_services=[a.service or "" for a in alerts],
        )  # fmt: skip
        try:
            found = similar_to(self.db, terms, k=self.k, exclude=self.exclude)
        except Exception:  # history is advice: the investigation goes on without it
            log.warning("similar incidents unavailable for the prompt", exc_info=True)
            return []
        return prompt_lines(found)


def recall(
    db: Any,
    result: InvestigationResult,
    *,
    topology: Topology,
    alerts: Sequence[AlertView] = (),
    incident_id: int | None = None,
    investigation_id: int | None = None,
) -> list[SimilarIncident]:
    """The past incidents most like this investigation; then this incident is remembered for
    the next ones. History is advice: a failure here is logged and leaves the answer empty."""
    try:
        found = similar_to_result(db, result, topology=topology, alerts=alerts,
                                  exclude=incident_id)  # fmt: skip
        if incident_id is not None:
            remember(db, result, incident_id=incident_id, investigation_id=investigation_id,
                     topology=topology, alerts=alerts)  # fmt: skip
    except Exception:
        log.warning("similar incidents unavailable", exc_info=True)
        return []
    return found
