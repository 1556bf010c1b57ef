"""Investigate, save and propose: what every door does with an investigation's result.

``investigate_incident`` / ``investigate_query`` run the engine, store the ``Investigation`` row
(``bot.investigate.service.save_result``, the one way to save one), propose each recommended
action under the policy (the requester is whoever asked), and hand the ones the policy approves
at once (read-only) to the jobs. ``propose`` does the same for one action (a runbook, say).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

from bot.errors import Conflict, UpstreamUnavailable, UserError
from bot.history import flows as history
from bot.history.models import SimilarIncident
from bot.incidents import service as incident_service
from bot.investigate import service as investigations
from bot.investigate.classify import AlertView, InvestigationTarget
from bot.investigate.flows import investigate_incident as run_incident
from bot.investigate.flows import investigate_query as run_query
from bot.investigate.models import InvestigationResult
from bot.remediate import service
from bot.remediate.enums import State
from bot.remediate.service import Proposal
from bot.respond.approvals import Desk, submit_run
from bot.store import RemediationRequest

# incidents in these states move to "investigating" when someone investigates them
_STARTS_INVESTIGATING = ("triggered", "acknowledged", "mitigated")


@dataclass(frozen=True)
class Investigated:
    result: InvestigationResult
    investigation_id: int
    incident_id: int | None
    requests: list[RemediationRequest]
    problems: list[str]  # recommended actions that could not be proposed, and why
    similar: list[SimilarIncident] = field(default_factory=list)  # closest past incidents


def propose(
    desk: Desk,
    *,
    action: str,
    params: dict[str, Any],
    requested_by: str,
    rationale: str = "",
    incident_id: int | None = None,
    investigation_id: int | None = None,
    incident_class: str | None = None,
) -> Proposal:
    """Propose one action (once); when the policy approves it at once, it runs now."""
    proposal = service.propose(
        desk.db, action=action, params=params, requested_by=requested_by, policy=desk.policy,
        incident_id=incident_id, investigation_id=investigation_id,
        incident_class=incident_class, rationale=rationale, ttl=desk.approval_ttl,
        clock=desk.clock,
    )  # fmt: skip
    req = proposal.request
    if req.state == State.APPROVED and req.id is not None:
        submit_run(desk, req.id, actor=requested_by)
    return proposal


def save_and_propose(
    desk: Desk, result: InvestigationResult, *, requested_by: str, incident_id: int | None
) -> Investigated:
    """Store the investigation and propose each recommended action."""
    inv_id = investigations.save_result(
        desk.db, result, incident_id=incident_id, requested_by=requested_by
    )
    requests, problems = [], []
    for rec in result.actions:
        try:
            proposal = propose(
                desk, action=rec.action, params=rec.params, requested_by=requested_by,
                rationale=rec.rationale, incident_id=incident_id, investigation_id=inv_id,
                incident_class=result.incident_class,
            )  # fmt: skip
        except UserError as exc:
            problems.append(f"could not propose {rec.action}: {exc}")
            continue
        requests.append(proposal.request)
    return Investigated(result, inv_id, incident_id, requests, problems)


def investigate_query(desk: Desk, ctx: Any, *, query: str, requested_by: str) -> Investigated:
    """Investigate a question (no incident), save it and propose its fixes; the closest past
    incidents come with it."""
    found = save_and_propose(desk, run_query(ctx, query), requested_by=requested_by,
                             incident_id=None)  # fmt: skip
    return replace(found, similar=history.recall(desk.db, found.result, topology=ctx.topology))


def start_on_incident(desk: Desk, incident_id: int, *, actor: str) -> InvestigationTarget:
    """Move the incident to *investigating* (when it can) and describe it for the engine."""
    if desk.flows is None:
        raise UpstreamUnavailable("incidents are not configured on this bot")
    view = desk.flows.view(incident_id)
    if view.status in _STARTS_INVESTIGATING:
        with suppress(Conflict):  # someone moved it meanwhile: investigate anyway
            desk.flows.investigate(incident_id, actor=actor, source=desk.source)
    with desk.db.session() as s:
        rows = incident_service.alerts_of(session=s, incident_id=incident_id)
    alerts = [
        AlertView(
            name=a.name, service=a.service, summary=a.summary, severity=a.severity,
            labels=dict(a.labels), metric=a.labels.get("metric"), id=str(a.id), status=a.status,
        )
        for a in rows
    ]  # fmt: skip
    root = next((a for a in alerts if view.root_alert and a.id == str(view.root_alert.id)), None)
    return InvestigationTarget(alerts=alerts, root_alert=root or (alerts[0] if alerts else None),
                               title=view.title)  # fmt: skip


def investigate_incident(
    desk: Desk, ctx: Any, target: InvestigationTarget, *, incident_id: int, requested_by: str
) -> Investigated:
    """Investigate an incident (``start_on_incident`` first), save it and propose its fixes.
    The closest past incidents come with it (and go into the LLM prompt when a key is set); the
    incident is then remembered for the next ones."""
    if getattr(ctx, "history", None) is None:
        ctx.history = history.PromptHistory(desk.db, exclude=incident_id)
    found = save_and_propose(desk, run_incident(ctx, target), requested_by=requested_by,
                             incident_id=incident_id)  # fmt: skip
    similar = history.recall(
        desk.db, found.result, topology=ctx.topology, alerts=target.alerts,
        incident_id=incident_id, investigation_id=found.investigation_id,
    )  # fmt: skip
    return replace(found, similar=similar)
