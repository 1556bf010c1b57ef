"""Investigations and remediation behind the Slack services.

Investigate: run the engine (a job already: the handler acked "Investigating…"), store the
Investigation row, propose each recommended action through ``bot.remediate.service.propose``
(the requester is the Slack user), post the summary with [Approve]/[Reject] per pending action
in the incident's thread (or the channel the command came from). Approve: the policy decides
(roles from ``Member`` rows); the approval that completes the set runs ``flows.execute`` as a
job, the outcome goes to the same thread and the incident message is refreshed.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.errors import Conflict, Forbidden, UpstreamUnavailable, UserError
from bot.incidents import service as incident_service
from bot.investigate.classify import AlertView, InvestigationTarget
from bot.investigate.flows import investigate_incident as run_incident
from bot.investigate.flows import investigate_query as run_query
from bot.investigate.models import InvestigationResult
from bot.remediate import flows as remediate_flows
from bot.remediate import registry
from bot.remediate import service as remediate_service
from bot.remediate.enums import Risk, State
from bot.remediate.flows import Outcome
from bot.remediate.policy import requirement
from bot.remediate.runbooks import load_runbooks
from bot.store import Investigation, RemediationRequest
from handlers.blocks import approval_request, investigation_summary, investigation_text
from handlers.blocks.models import ActionView, ApprovalView, HypothesisView, InvestigationView
from handlers.blocks.text import escape
from handlers.slack.domain_services import Domain
from handlers.slack.services import Actor, Reply

log = logging.getLogger("aiops.slack.remediation")

STATUS_EMOJI = {
    "verified": ":white_check_mark:",
    "rolled_back": ":leftwards_arrow_with_hook:",
    "failed": ":x:",
    "not_recovered": ":warning:",
}


# ---------------------------------------------------------------- investigations
def _context(domain: Domain) -> Any:
    if domain.investigation_context is None:
        raise UpstreamUnavailable("investigations are not configured on this bot")
    return domain.investigation_context()


def _target(domain: Domain, incident_id: int) -> InvestigationTarget:
    view = domain.view(incident_id)
    with domain.db.session() as s:
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


def _store(
    domain: Domain, result: InvestigationResult, actor: Actor, incident_id: int | None
) -> int:
    now = domain.clock.now()
    row = Investigation(
        incident_id=incident_id,
        query=result.query,
        incident_class=result.incident_class,
        status="done",
        requested_by=actor.user_id,
        steps=[s.model_dump(mode="json") for s in result.steps],
        facts=[f.model_dump(mode="json") for f in result.facts],
        hypotheses=[h.model_dump(mode="json") for h in result.hypotheses],
        actions=[a.model_dump(mode="json") for a in result.actions],
        created_at=result.started_at or now,
        started_at=result.started_at or now,
        finished_at=now,
    )
    with domain.db.session() as s:
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


def _propose(
    domain: Domain,
    result: InvestigationResult,
    actor: Actor,
    incident_id: int | None,
    investigation_id: int,
) -> tuple[list[RemediationRequest], list[str]]:
    requests, problems = [], []
    for rec in result.actions:
        try:
            proposal = remediate_service.propose(
                domain.db, action=rec.action, params=rec.params, requested_by=actor.user_id,
                policy=domain.policy, incident_id=incident_id, investigation_id=investigation_id,
                incident_class=result.incident_class, rationale=rec.rationale,
                ttl=domain.approval_ttl, clock=domain.clock,
            )  # fmt: skip
        except UserError as exc:
            problems.append(f"could not propose {rec.action}: {exc}")
            continue
        requests.append(proposal.request)
    return requests, problems


def _summary(
    result: InvestigationResult,
    requests: list[RemediationRequest],
    problems: list[str],
    incident_id: int | None,
    investigation_id: int,
) -> InvestigationView:
    c = result.classification
    return InvestigationView(
        query=result.query,
        facts=[f.text for f in result.facts] + problems,
        hypotheses=[
            HypothesisView(f"{h.kind} on {h.service}: {h.summary}", h.confidence, h.evidence)
            for h in result.hypotheses
        ],
        actions=[
            ActionView(
                request_id=str(r.id),
                title=r.action,
                risk=r.risk,
                params={k: str(v) for k, v in r.params.items()},
                status=r.state,
            )
            for r in requests
        ],  # fmt: skip
        summary=f"Class: {c.incident_class}"
        + (f" (also {', '.join(c.secondary)})" if c.secondary else "")
        + f" · {len(result.steps)} checks in {result.duration_ms / 1000:.1f} s",
        incident_id=incident_id,
        investigation_id=str(investigation_id),
    )


def _finish(
    domain: Domain, actor: Actor, result: InvestigationResult, incident_id: int | None
) -> Reply:
    inv_id = _store(domain, result, actor, incident_id)
    requests, problems = _propose(domain, result, actor, incident_id, inv_id)
    card = _summary(result, requests, problems, incident_id, inv_id)
    text, blocks = investigation_text(card), investigation_summary(card)
    for req in requests:  # read-only / auto-approved by policy: run now
        if req.state == State.APPROVED and req.id is not None:
            _submit_execution(domain, req.id, actor)
    where = _post(domain, incident_id, actor, text, blocks)
    if where is None:
        return Reply(text, blocks, public=True)
    with domain.db.session() as s:
        row = s.get(Investigation, inv_id)
        if row is not None:
            row.targets = {**row.targets, "slack": {"channel": where[0], "ts": where[1]}}
    place = "the incident's thread" if incident_id else "the channel"
    return Reply(f":mag: Findings posted in {place}.")


def _post(
    domain: Domain, incident_id: int | None, actor: Actor, text: str, blocks: Any
) -> tuple[str, str] | None:
    """Post where the investigation belongs; None when we could not (the caller replies)."""
    if incident_id is not None and domain.publisher is not None:
        ref = domain.publisher.post(domain.view(incident_id), text, blocks)
        return (ref.channel, ref.ts) if ref else None
    if domain.client is None or not actor.channel_id:
        return None
    try:
        resp = domain.client.chat_postMessage(channel=actor.channel_id, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.info("could not post findings in %s: %s", actor.channel_id, exc.response.get("error"))
        return None
    return str(resp["channel"]), str(resp["ts"])


def investigate_query(domain: Domain, actor: Actor, query: str) -> Reply:
    return _finish(domain, actor, run_query(_context(domain), query), None)


def investigate_incident(domain: Domain, actor: Actor, incident_id: int) -> Reply:
    target = _target(domain, incident_id)
    status = domain.view(incident_id).status
    if status in ("triggered", "acknowledged", "mitigated"):
        with suppress(Conflict):  # someone moved it meanwhile: investigate anyway
            domain.flows.investigate(incident_id, actor=actor.user_id, source="slack")
    domain.note(incident_id, f":mag: <@{actor.user_id}> started an investigation…")
    return _finish(domain, actor, run_incident(_context(domain), target), incident_id)


# ---------------------------------------------------------------- approvals
def _request_id(raw: str) -> int:
    if not raw.isdigit() or int(raw) <= 0:
        raise UserError(f"`{raw}` is not a remediation request id (a number)")
    return int(raw)


def _role_hint(user: str, role: str | None) -> str | None:
    return f"an admin can run `aiops member add {user} --role {role}`" if role else None


def approve(domain: Domain, actor: Actor, raw_id: str) -> Reply:
    rid = _request_id(raw_id)
    roles = domain.roles_of(actor.user_id)
    try:
        decision = remediate_service.approve(
            domain.db, request_id=rid, user=actor.user_id, roles=roles, policy=domain.policy,
            clock=domain.clock,
        )  # fmt: skip
    except Forbidden as exc:
        req = remediate_service.get(domain.db, request_id=rid)
        need = requirement(domain.policy, action=req.action, risk=Risk(req.risk))
        if need.role and need.role not in roles:
            who = "you have no aiops roles" if not roles else f"your roles: {', '.join(roles)}"
            raise Forbidden(
                f"Approving {req.action} needs the role `{need.role}` ({who}).",
                hint=_role_hint(actor.user_id, need.role),
            ) from None
        raise Forbidden(f"Refused: {exc.message}") from None
    req = decision.request
    if decision.ready_to_run:
        _submit_execution(domain, rid, actor)
        text = f":white_check_mark: <@{actor.user_id}> approved `{req.action}` (request {rid}); "
        text += "running it now. The outcome will follow here."
    else:
        text = f":ballot_box_with_check: <@{actor.user_id}>: {escape(decision.message)}"
    return Reply(text, public=True)


def reject(domain: Domain, actor: Actor, raw_id: str, reason: str | None) -> Reply:
    rid = _request_id(raw_id)
    req = remediate_service.get(domain.db, request_id=rid)
    need = requirement(domain.policy, action=req.action, risk=Risk(req.risk))
    if need.role and need.role not in domain.roles_of(actor.user_id):
        raise Forbidden(
            f"Rejecting {req.action} needs the role `{need.role}`.",
            hint=_role_hint(actor.user_id, need.role),
        )
    remediate_service.reject(
        domain.db, request_id=rid, user=actor.user_id, reason=reason or "", clock=domain.clock
    )
    why = f": {escape(reason)}" if reason else ""
    return Reply(f":no_entry: <@{actor.user_id}> rejected `{req.action}` (request {rid}){why}",
                 public=True)  # fmt: skip


# ---------------------------------------------------------------- execution
def _submit_execution(domain: Domain, rid: int, actor: Actor) -> None:
    def job() -> None:
        outcome = execute(domain, rid, worker=actor.user_id)
        if outcome.status != "skipped":
            report(domain, outcome, actor=actor.user_id)

    def on_error(message: str) -> None:
        report_text(domain, rid, f"Running request {rid} failed: {message}")

    domain.jobs.submit(f"remediation {rid}", job, on_error=on_error)


def execute(domain: Domain, rid: int, *, worker: str) -> Outcome:
    if domain.action_context is None:
        raise UpstreamUnavailable("remediation is not configured on this bot")
    return remediate_flows.execute(
        domain.db, request_id=rid, ctx=domain.action_context(), worker=worker
    )


def report(domain: Domain, outcome: Outcome, *, actor: str, prefix: str = "") -> None:
    """Post an outcome where its request belongs; note it on the incident and refresh it."""
    emoji = STATUS_EMOJI.get(outcome.status, ":information_source:")
    text = (
        f"{prefix}{emoji} `{outcome.action}` (request {outcome.request_id}): "
        f"*{outcome.status}* — {escape(outcome.detail)}"
    )
    req = remediate_service.get(domain.db, request_id=outcome.request_id)
    if req.incident_id is not None:
        domain.flows.comment(
            req.incident_id, actor=actor, kind="action",
            text=f"{outcome.action} {outcome.status}: {outcome.detail}",
        )  # fmt: skip
        if outcome.status == "verified":
            try:
                domain.flows.mitigate(req.incident_id, actor=actor, source="slack")
            except Conflict:
                domain.refresh(req.incident_id)
        else:
            domain.refresh(req.incident_id)
    report_text(domain, outcome.request_id, text)


def report_text(domain: Domain, rid: int, text: str) -> None:
    req = remediate_service.get(domain.db, request_id=rid)
    if req.incident_id is not None and domain.publisher is not None:
        domain.publisher.post(domain.view(req.incident_id), text)
        return
    where = None
    if req.investigation_id is not None:
        with domain.db.session() as s:
            inv = s.get(Investigation, req.investigation_id)
            where = (inv.targets or {}).get("slack") if inv is not None else None
    if where and domain.client is not None:
        domain.client.chat_postMessage(channel=where["channel"], thread_ts=where["ts"], text=text)
    else:
        log.warning("remediation outcome with nowhere to post: %s", text)


def recover(domain: Domain) -> list[Outcome]:
    """At start-up: finish or fail half-done remediations, loudly, in their threads."""
    if domain.action_context is None:
        return []
    outcomes = remediate_flows.recover(domain.db, ctx=domain.action_context(), worker="aiops")
    for outcome in outcomes:
        log.warning("after a restart: request %s %s: %s", outcome.request_id, outcome.status,
                    outcome.detail)  # fmt: skip
        report(domain, outcome, actor="aiops", prefix=":rotating_light: After a restart: ")
    return outcomes


# ---------------------------------------------------------------- runbooks
def runbook_list(domain: Domain, actor: Actor) -> Reply:
    books = load_runbooks(lookup=registry.get)
    if not books:
        return Reply("No runbooks are installed.")
    lines = [f"• `{b.name}` — {escape(b.description or '')}" for b in books.values()]
    return Reply("*Runbooks* (`/aiops runbook run <name> <target>`)\n" + "\n".join(lines))


def runbook_run(domain: Domain, actor: Actor, name: str, target: str) -> Reply:
    if name not in load_runbooks(lookup=registry.get):
        raise UserError(f"no runbook named `{name}`", hint="`/aiops runbook list` shows them")
    proposal = remediate_service.propose(
        domain.db, action="runbook.run", params={"name": name, "target": target},
        requested_by=actor.user_id, policy=domain.policy, rationale="requested in Slack",
        ttl=domain.approval_ttl, clock=domain.clock,
    )  # fmt: skip
    req = proposal.request
    assert req.id is not None
    if req.state == State.APPROVED:
        _submit_execution(domain, req.id, actor)
        return Reply(f"Running runbook `{name}` on `{target}` (request {req.id}).", public=True)
    card = ApprovalView(
        request_id=str(req.id), action=f"runbook {name} on {target}", risk=req.risk,
        requested_by=actor.user_id, params={"name": name, "target": target},
        reason=proposal.explanation, expires_at=req.expires_at,
        approvals_needed=req.required_approvals,
    )  # fmt: skip
    return Reply(f"Approval needed: runbook {name} on {target}", approval_request(card),
                 public=True)  # fmt: skip
