"""Runbooks as proposals: ``propose_runbook`` (one runbook on one target, under its mode, rate
limit and approval timeout) and ``offer_runbooks`` (the live runbooks whose triggers match an
investigation: ``manual`` ones are named in the summary, ``semi_auto`` and ``auto`` ones are
proposed as requests with [Approve] / [Reject]).

Modes: ``manual`` — offered, someone runs it with ``/aiops runbook run``; ``semi_auto`` — always
waits for an approver, even where the policy would auto-approve ``runbook.run``; ``auto`` — the
policy decides (it runs at once only where ``auto_approve`` covers it). No mode bends the policy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from bot.errors import AiopsError, NotFound
from bot.investigate.models import InvestigationResult
from bot.remediate import service
from bot.remediate.enums import State
from bot.remediate.runbooks import Mode, Runbook
from bot.remediate.runbooks_live import LIVE
from bot.remediate.service import Proposal
from bot.respond.approvals import Desk, submit_run
from bot.runbooks.limits import check_rate
from bot.runbooks.triggers import offers
from bot.store import RemediationRequest

log = logging.getLogger("aiops.runbooks")


def live_runbook(name: str) -> Runbook:
    books = LIVE.current().books
    book = books.get(name)
    if book is None:
        raise NotFound(f"no runbook named `{name}`", hint="`/aiops runbook list` shows them")
    return book


def propose_runbook(
    desk: Desk,
    book: Runbook,
    *,
    target: str,
    requested_by: str,
    rationale: str = "",
    incident_id: int | None = None,
    investigation_id: int | None = None,
    incident_class: str | None = None,
) -> Proposal:
    """Propose ``runbook.run`` of ``book`` on ``target`` (once); it runs now when approved."""
    check_rate(desk.db, book, now=desk.clock.now())
    minutes = book.approval_timeout_minutes
    proposal = service.propose(
        desk.db, action="runbook.run", params={"name": book.name, "target": target},
        requested_by=requested_by, policy=desk.policy, incident_id=incident_id,
        investigation_id=investigation_id, incident_class=incident_class, rationale=rationale,
        ttl=timedelta(minutes=minutes) if minutes else desk.approval_ttl, clock=desk.clock,
        never_auto=book.mode == Mode.SEMI_AUTO,
    )  # fmt: skip
    req = proposal.request
    if proposal.created and req.state == State.APPROVED and req.id is not None:
        submit_run(desk, req.id, actor=requested_by)
    return proposal


@dataclass
class Offered:
    requests: list[RemediationRequest] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # manual offers and refusals, one line each


def offer_runbooks(
    desk: Desk,
    result: InvestigationResult,
    *,
    requested_by: str,
    incident_id: int | None,
    investigation_id: int,
) -> Offered:
    """Offer every live runbook whose trigger matches ``result``."""
    out = Offered()
    live = LIVE.current()
    for offer in offers(result, live.books.values()):
        name, target = offer.book.name, offer.target
        why = f"runbook {name} ({live.version}) matches {offer.reason}"
        if offer.book.mode == Mode.MANUAL:
            out.notes.append(f"{why}: run it with `/aiops runbook run {name} {target}`")
            continue
        try:
            proposal = propose_runbook(
                desk, offer.book, target=target, requested_by=requested_by, rationale=why,
                incident_id=incident_id, investigation_id=investigation_id,
                incident_class=result.incident_class,
            )  # fmt: skip
        except AiopsError as exc:
            out.notes.append(f"could not offer runbook {name}: {exc}")
            continue
        out.requests.append(proposal.request)
    return out
