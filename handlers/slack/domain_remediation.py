"""Investigations and remediation behind the Slack services: parse, call ``bot``, render.

Investigate: ``bot.respond.proposals`` runs the engine, stores the Investigation row and
proposes each recommended action (the requester is the Slack user); this module posts the
summary with [Approve]/[Reject] per pending action in the incident's thread (or the channel the
command came from). Approve / reject: ``bot.respond.approvals`` (roles from ``Member`` rows);
the approval that completes the set runs the action as a job, and ``SlackOutcomes`` posts the
outcome in the same thread.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.errors import UpstreamUnavailable, UserError
from bot.history.models import SimilarIncident
from bot.investigate import service as investigations
from bot.investigate.where import Asked
from bot.remediate.enums import State
from bot.remediate.runbooks_live import LIVE
from bot.respond import approvals, proposals
from bot.respond.auto import AUTO_ACTOR, AutoRun
from bot.respond.runbooks import live_runbook, propose_runbook
from handlers.blocks import approval_request, investigation_summary, investigation_text
from handlers.blocks.models import (
    ActionView,
    ApprovalView,
    HypothesisView,
    InvestigationView,
    SimilarView,
)
from handlers.blocks.text import escape
from handlers.slack.domain import Domain
from handlers.slack.services import Actor, Reply

log = logging.getLogger("aiops.slack.remediation")


# ---------------------------------------------------------------- investigations
def _context(domain: Domain) -> Any:
    if domain.investigation_context is None:
        raise UpstreamUnavailable("investigations are not configured on this bot")
    return domain.investigation_context()


def _permalink(domain: Domain, channel: str | None, ts: str | None) -> str | None:
    """The link to a message (a past incident's thread), or None when Slack will not say."""
    if domain.client is None or not channel or not ts:
        return None
    try:
        resp = domain.client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError as exc:
        log.info("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
        return None
    return str(resp.get("permalink") or "") or None


def similar_views(domain: Domain, similar: list[SimilarIncident]) -> list[SimilarView]:
    out = []
    for s in similar:
        p = s.past
        cause = f"{p.kind} on {p.service}: {p.cause}" if p.kind else ""
        out.append(SimilarView(
            incident_id=p.incident_id, title=p.title, cause=cause, fixed_by=p.fixed_by,
            did_not_fix=p.did_not_fix, link=_permalink(domain, p.slack_channel, p.slack_ts),
            at=p.created_at,
        ))  # fmt: skip
    return out


def _summary(domain: Domain, found: proposals.Investigated) -> InvestigationView:
    result = found.result
    c = result.classification
    history = {a.action: a.history for a in result.actions if a.history}
    return InvestigationView(
        query=result.query,
        # what could not be proposed and the runbooks to run by hand first: a long list of facts
        # is cut at MAX_FACTS, and these are the lines someone acts on
        facts=found.problems + found.runbooks + [f.text for f in result.facts],
        hypotheses=[
            HypothesisView(
                f"{h.kind} on {h.service}: {h.summary}", h.confidence, h.evidence, kind=h.kind
            )
            for h in result.hypotheses
        ],
        actions=[
            ActionView(
                request_id=str(r.id),
                title=r.action,
                risk=r.risk,
                params={k: str(v) for k, v in r.params.items()},
                status=r.state,
                history=history.get(r.action),
            )
            for r in found.requests
        ],  # fmt: skip
        summary=f"Class: {c.incident_class}"
        + (f" (also {', '.join(c.secondary)})" if c.secondary else "")
        + f" · {len(result.steps)} checks in {result.duration_ms / 1000:.1f} s",
        incident_id=found.incident_id,
        investigation_id=str(found.investigation_id),
        similar=similar_views(domain, found.similar),
        next_steps=list(result.next_steps),
    )


def _show(domain: Domain, actor: Actor, found: proposals.Investigated) -> Reply:
    card = _summary(domain, found)
    text, blocks = investigation_text(card), investigation_summary(card)
    where = _post(domain, found.incident_id, actor, text, blocks)
    if where is None:
        return Reply(text, blocks, public=True)
    investigations.add_target(
        db=domain.db, investigation_id=found.investigation_id, kind="slack",
        value={"channel": where[0], "ts": where[1]},
    )  # fmt: skip
    place = "the incident's thread" if found.incident_id else "the channel"
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


def investigate_query(domain: Domain, actor: Actor, asked: Asked) -> Reply:
    found = proposals.investigate_query(
        domain.desk, _context(domain), query=asked.query, requested_by=actor.user_id,
        account=asked.account, region=asked.region,
    )  # fmt: skip
    return _show(domain, actor, found)


def investigate_incident(domain: Domain, actor: Actor, incident_id: int) -> Reply:
    target = proposals.start_on_incident(domain.desk, incident_id, actor=actor.user_id)
    domain.note(incident_id, f":mag: <@{actor.user_id}> started an investigation…")
    found = proposals.investigate_incident(
        domain.desk, _context(domain), target, incident_id=incident_id,
        requested_by=actor.user_id,
    )  # fmt: skip
    return _show(domain, actor, found)


class SlackAutoReport:
    """``bot.respond.auto.AutoReport`` for Slack: the findings of an automatic investigation
    in the incident's thread, marked "investigated automatically", with Approve / Reject on
    what still waits for a person."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    def investigated(self, run: AutoRun) -> None:
        card = _summary(self.domain, run.found)
        mark = f":robot_face: Investigated automatically (policy {run.policy})"
        if run.auto_approved:
            mark += f"; auto-approved by the policy: {', '.join(run.auto_approved)}"
        card = replace(card, summary=f"{mark} · {card.summary}")
        text = f"{mark}. Top hypothesis: {run.top_line}"
        where = _post(self.domain, run.incident_id, Actor(AUTO_ACTOR), text,
                      investigation_summary(card))  # fmt: skip
        self.domain.refresh(run.incident_id)  # its message says so too
        if where is not None:
            investigations.add_target(
                db=self.domain.db, investigation_id=run.found.investigation_id, kind="slack",
                value={"channel": where[0], "ts": where[1]},
            )  # fmt: skip

    def failed(self, incident_id: int, text: str) -> None:
        self.domain.note(incident_id, f":warning: {escape(text)}")


# ---------------------------------------------------------------- approvals
def _request_id(raw: str) -> int:
    if not raw.isdigit() or int(raw) <= 0:
        raise UserError(f"`{raw}` is not a remediation request id (a number)")
    return int(raw)


def approve(domain: Domain, actor: Actor, raw_id: str) -> Reply:
    rid = _request_id(raw_id)
    roles = domain.access.approver_roles(actor.user_id, rid)  # None: Member rows decide
    done = approvals.approve(domain.desk, request_id=rid, user=actor.user_id, roles=roles)
    if done.running:
        text = f":white_check_mark: <@{actor.user_id}> approved `{done.request.action}` "
        text += f"(request {rid}); running it now. The outcome will follow here."
    else:
        text = f":ballot_box_with_check: <@{actor.user_id}>: {escape(done.message)}"
    return Reply(text, public=True)


def reject(domain: Domain, actor: Actor, raw_id: str, reason: str | None) -> Reply:
    rid = _request_id(raw_id)
    roles = domain.access.approver_roles(actor.user_id, rid)
    req = approvals.reject(
        domain.desk, request_id=rid, user=actor.user_id, reason=reason or "", roles=roles
    )
    why = f": {escape(reason)}" if reason else ""
    return Reply(f":no_entry: <@{actor.user_id}> rejected `{req.action}` (request {rid}){why}",
                 public=True)  # fmt: skip


# ---------------------------------------------------------------- runbooks
def runbook_list(domain: Domain, actor: Actor) -> Reply:
    live = LIVE.current()
    if not live.books:
        return Reply("No runbooks are installed.")
    lines = [f"• `{b.name}` — {escape(b.description or '')}" for b in live.books.values()]
    return Reply(f"*Runbooks* ({escape(live.version)}; `/aiops runbook run <name> <target>`)\n"
                 + "\n".join(lines))  # fmt: skip


def runbook_run(domain: Domain, actor: Actor, name: str, target: str) -> Reply:
    proposal = propose_runbook(
        domain.desk, live_runbook(name), target=target, requested_by=actor.user_id,
        rationale="requested in Slack",
    )  # fmt: skip
    return proposed(actor, proposal, f"runbook {name} on {target}",
                    {"name": name, "target": target})  # fmt: skip


def proposed(actor: Actor, proposal: Any, what: str, params: dict[str, str]) -> Reply:
    """A proposal's reply: running now (the policy approved it), or the approval request
    with Approve / Reject."""
    req = proposal.request
    assert req.id is not None
    if req.state == State.APPROVED:
        return Reply(f"Running {escape(what)} (request {req.id}).", public=True)
    card = ApprovalView(
        request_id=str(req.id), action=what, risk=req.risk, requested_by=actor.user_id,
        params=params, reason=proposal.explanation, expires_at=req.expires_at,
        approvals_needed=req.required_approvals,
    )  # fmt: skip
    return Reply(f"Approval needed: {what}", approval_request(card), public=True)
