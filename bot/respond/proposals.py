"""Investigate, save and propose: what every door does with an investigation's result.

``investigate_incident`` / ``investigate_query`` run the engine, store the ``Investigation`` row
(``bot.investigate.service.save_result``, the one way to save one), propose each recommended
action under the policy (the requester is whoever asked), and hand the ones the policy approves
at once (read-only) to the jobs. ``propose`` does the same for one action (a runbook, say).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field, is_dataclass, replace
from typing import Any

from bot.errors import Conflict, UpstreamUnavailable, UserError
from bot.history import flows as similar_incidents
from bot.history.models import SimilarIncident
from bot.incidents import service as incident_service
from bot.investigate import service as investigations
from bot.investigate.classify import AlertView, InvestigationTarget
from bot.investigate.experience import Case, case_of
from bot.investigate.flows import investigate_incident as run_incident
from bot.investigate.flows import investigate_query as run_query
from bot.investigate.models import InvestigationResult
from bot.learn import cases
from bot.learn.signature import IncidentSignature
from bot.learn.weigh import History
from bot.remediate import service
from bot.remediate.enums import State
from bot.remediate.models import Place
from bot.remediate.service import Proposal
from bot.respond.approvals import Desk, submit_run
from bot.respond.runbooks import offer_runbooks
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
    runbooks: list[str] = field(default_factory=list)  # runbooks offered to run by hand
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
    place: Place | None = None,
) -> Proposal:
    """Propose one action (once); when the policy approves it at once, it runs now.
    ``place``: the account and region of the finding it fixes, when not the bot's home (it
    runs there, with that account's role)."""
    proposal = service.propose(
        desk.db, action=action, params=params, requested_by=requested_by, policy=desk.policy,
        incident_id=incident_id, investigation_id=investigation_id,
        incident_class=incident_class, rationale=rationale, ttl=desk.approval_ttl,
        clock=desk.clock, place=place,
    )  # fmt: skip
    req = proposal.request
    if req.state == State.APPROVED and req.id is not None:
        submit_run(desk, req.id, actor=requested_by)
    return proposal


def save_and_propose(
    desk: Desk,
    result: InvestigationResult,
    *,
    requested_by: str,
    incident_id: int | None,
    case: Case | None = None,
) -> Investigated:
    """Store the investigation (and its signature, for outcomes learned later) and propose each
    recommended action."""
    inv_id = investigations.save_result(
        desk.db, result, incident_id=incident_id, requested_by=requested_by
    )
    cases.remember(
        desk.db, investigation_id=inv_id,
        signature=IncidentSignature.of(case or Case(result.incident_class)),
        top_hypothesis=result.hypotheses[0].kind if result.hypotheses else None,
        first_action=result.actions[0].action if result.actions else None,
    )  # fmt: skip
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
    offered = offer_runbooks(desk, result, requested_by=requested_by, incident_id=incident_id,
                             investigation_id=inv_id)  # fmt: skip
    return Investigated(result, inv_id, incident_id, requests + offered.requests, problems,
                        offered.notes)  # fmt: skip


def with_history(desk: Desk, ctx: Any) -> Any:
    """The context with the store's outcomes as its history (unless it has one already)."""
    if is_dataclass(ctx) and not isinstance(ctx, type) and getattr(ctx, "history", 0) is None:
        return replace(ctx, history=History(desk.db))
    return ctx


def with_past_incidents(desk: Desk, ctx: Any, incident_id: int | None) -> Any:
    """The context with the store's similar past incidents for the LLM prompt (unless it has
    them already)."""
    if not is_dataclass(ctx) or isinstance(ctx, type) or not hasattr(ctx, "past_incidents"):
        return ctx
    if ctx.past_incidents is not None:
        return ctx
    past = similar_incidents.PromptHistory(desk.db, exclude=incident_id)
    return replace(ctx, past_incidents=past)


def _case(ctx: Any, result: InvestigationResult, alerts: list[str]) -> Case | None:
    topology = getattr(ctx, "topology", None)
    if topology is None:
        return None
    return case_of(result.classification, result.findings, topology, alerts)


def investigate_query(
    desk: Desk,
    ctx: Any,
    *,
    query: str,
    requested_by: str,
    account: str | None = None,
    region: str | None = None,
) -> Investigated:
    """Investigate a question (no incident), save it and propose its fixes; the closest past
    incidents come with it. ``account`` / ``region``: where to read (``bot.investigate.where``)."""
    ctx = with_history(desk, ctx)
    if account or region:  # a copy: the context is shared by every investigation
        ctx = replace(ctx, account=account, region=region)
    result = run_query(ctx, query)
    found = save_and_propose(desk, result, requested_by=requested_by, incident_id=None,
                             case=_case(ctx, result, []))  # fmt: skip
    return replace(found, similar=similar_incidents.recall(desk.db, result, topology=ctx.topology))


def start_on_incident(desk: Desk, incident_id: int, *, actor: str) -> InvestigationTarget:
    """Move the incident to *investigating* (when it can) and describe it for the engine."""
    if desk.flows is None:
        raise UpstreamUnavailable("incidents are not configured on this bot")
    view = desk.flows.view(incident_id)
    if view.status in _STARTS_INVESTIGATING:
        with suppress(Conflict):  # someone moved it meanwhile: investigate anyway
            desk.flows.investigate(incident_id, actor=actor, source=desk.source)
    return target_of(desk, incident_id)


def target_of(desk: Desk, incident_id: int) -> InvestigationTarget:
    """The incident as the engine sees it (its alerts, the root alert first), status unchanged."""
    if desk.flows is None:
        raise UpstreamUnavailable("incidents are not configured on this bot")
    view = desk.flows.view(incident_id)
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
    ctx = with_past_incidents(desk, with_history(desk, ctx), incident_id)
    result = run_incident(ctx, target)
    found = save_and_propose(desk, result, requested_by=requested_by, incident_id=incident_id,
                             case=_case(ctx, result, [a.name for a in target.alerts]))  # fmt: skip
    similar = similar_incidents.recall(
        desk.db, result, topology=ctx.topology, alerts=target.alerts, incident_id=incident_id,
        investigation_id=found.investigation_id,
    )  # fmt: skip
    return replace(found, similar=similar)
