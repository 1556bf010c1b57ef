"""Approve, reject, execute and report: the one remediation flow every door calls.

Slack clicks, ``/aiops approve``, ``aiops remediate approve`` and anything else that approves a
request go through ``approve`` / ``reject`` here, with the roles of the ``Member`` rows (or the
roles a terminal user states). The approval that completes the set hands the run to
``desk.jobs`` (a worker thread in the process, the caller's thread in the terminal); the run
executes once (``flows.execute``), notes the outcome on the incident, moves a verified fix's
incident to *mitigated*, and tells the ``OutcomePublisher`` how it ended.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import Clock, SystemClock
from bot.errors import Conflict, Forbidden, UpstreamUnavailable
from bot.incidents.flows import IncidentFlows
from bot.investigate import service as investigations
from bot.jobs import InlineJobs, Jobs
from bot.learn import feedback as learned
from bot.remediate import flows, service
from bot.remediate.enums import Risk, State
from bot.remediate.flows import Outcome, Verifier
from bot.remediate.policy import Policy, requirement
from bot.remediate.ports import NullOutcomes, OutcomeNotice, OutcomePublisher
from bot.remediate.registry import ActionContext
from bot.store import Database, RemediationRequest
from bot.teams.members import roles_of

log = logging.getLogger(__name__)


@dataclass
class Desk:
    """Everything the remediation flows need, wired once per process (or per command)."""

    db: Database
    policy: Policy = field(default_factory=Policy)
    clock: Clock = field(default_factory=SystemClock)
    jobs: Jobs = field(default_factory=InlineJobs)
    outcomes: OutcomePublisher = field(default_factory=NullOutcomes)
    flows: IncidentFlows | None = None  # incident notes and "verified → mitigated"
    action_context: Callable[[], ActionContext] | None = None
    verifier: Verifier | None = None
    approval_ttl: timedelta = timedelta(minutes=30)
    source: str = "aiops"  # the door, on incident timelines ("slack", "cli")


@dataclass(frozen=True)
class Approved:
    request: RemediationRequest
    running: bool  # this approval completed the set; the run was handed to the jobs
    message: str


def _role_hint(user: str, role: str | None) -> str | None:
    return f"an admin can run `aiops member add {user} --role {role}`" if role else None


def approve(desk: Desk, *, request_id: int, user: str, roles: list[str] | None = None) -> Approved:
    """Record ``user``'s approval (roles: stated, else the member's); run it when complete."""
    have = roles if roles is not None else roles_of(desk.db, user)
    try:
        decision = service.approve(
            desk.db, request_id=request_id, user=user, roles=have, policy=desk.policy,
            clock=desk.clock,
        )  # fmt: skip
    except Forbidden as exc:
        req = service.get(desk.db, request_id=request_id)
        need = requirement(desk.policy, action=req.action, risk=Risk(req.risk))
        if need.role and need.role not in have:
            who = "you have no aiops roles" if not have else f"your roles: {', '.join(have)}"
            raise Forbidden(
                f"Approving {req.action} needs the role `{need.role}` ({who}).",
                hint=_role_hint(user, need.role),
            ) from None
        raise Forbidden(f"Refused: {exc.message}") from None
    if decision.ready_to_run:
        submit_run(desk, request_id, actor=user)
    return Approved(decision.request, decision.ready_to_run, decision.message)


def reject(
    desk: Desk,
    *,
    request_id: int,
    user: str,
    reason: str = "",
    roles: list[str] | None = None,
) -> RemediationRequest:
    """Reject a pending request; only someone with the role that could approve it may."""
    req = service.get(desk.db, request_id=request_id)
    need = requirement(desk.policy, action=req.action, risk=Risk(req.risk))
    have = roles if roles is not None else roles_of(desk.db, user)
    if need.role and need.role not in have:
        raise Forbidden(
            f"Rejecting {req.action} needs the role `{need.role}`.",
            hint=_role_hint(user, need.role),
        )
    return service.reject(
        desk.db, request_id=request_id, user=user, reason=reason, clock=desk.clock
    )


def submit_run(desk: Desk, request_id: int, *, actor: str) -> None:
    """Hand the run of an approved request to the jobs; a failure is published, not raised."""

    def job() -> None:
        run(desk, request_id, worker=actor)

    def on_error(message: str) -> None:
        desk.outcomes.failed(
            notice(desk, request_id), f"Running request {request_id} failed: {message}"
        )

    desk.jobs.submit(f"remediation {request_id}", job, on_error=on_error)


def run(desk: Desk, request_id: int, *, worker: str) -> Outcome:
    """Execute an approved request once and settle its outcome (a second caller: skipped)."""
    outcome = execute(desk, request_id, worker=worker)
    if outcome.status != "skipped":
        settle(desk, outcome, actor=worker)
    return outcome


def execute(desk: Desk, request_id: int, *, worker: str) -> Outcome:
    if desk.action_context is None:
        raise UpstreamUnavailable("remediation is not configured on this bot")
    return flows.execute(
        desk.db, request_id=request_id, ctx=desk.action_context(), worker=worker,
        verifier=desk.verifier,
    )  # fmt: skip


def notice(desk: Desk, request_id: int) -> OutcomeNotice:
    """Where a request belongs: its incident and where its investigation was posted."""
    req = service.get(desk.db, request_id=request_id)
    incident = None
    if req.incident_id is not None and desk.flows is not None:
        incident = desk.flows.view(req.incident_id)
    posted = {}
    if req.investigation_id is not None:
        inv = investigations.get(db=desk.db, investigation_id=req.investigation_id)
        posted = dict(inv.targets or {}) if inv is not None else {}
    return OutcomeNotice(req, incident, posted)


def settle(desk: Desk, outcome: Outcome, *, actor: str, after_restart: bool = False) -> None:
    """File the outcome under the incident's signature (``bot.learn``), note it on the incident,
    mitigate it when verified, and publish the outcome.

    Only ``verified`` moves the incident: ``unverified`` (nothing could be checked) leaves it as
    it was, for a person to judge."""
    req = service.get(desk.db, request_id=outcome.request_id)
    learned.remediation_settled(desk.db, req, outcome.status, clock=desk.clock, user=actor)
    if req.incident_id is not None and desk.flows is not None:
        desk.flows.comment(
            req.incident_id, actor=actor, kind="action",
            text=f"{outcome.action} {outcome.status}: {outcome.detail}",
        )  # fmt: skip
        moved = False
        if outcome.status == State.VERIFIED:
            try:
                desk.flows.mitigate(req.incident_id, actor=actor, source=desk.source)
                moved = True
            except Conflict:
                pass
        if not moved:
            desk.outcomes.incident_changed(desk.flows.view(req.incident_id))
    desk.outcomes.outcome(notice(desk, outcome.request_id), outcome, after_restart=after_restart)


def recover(desk: Desk) -> list[Outcome]:
    """At start-up: finish or fail half-done remediations, loudly, where they belong."""
    if desk.action_context is None:
        return []
    outcomes = flows.recover(
        desk.db, ctx=desk.action_context(), worker="aiops", verifier=desk.verifier
    )
    for outcome in outcomes:
        log.warning("after a restart: request %s %s: %s", outcome.request_id, outcome.status,
                    outcome.detail)  # fmt: skip
        settle(desk, outcome, actor="aiops", after_restart=True)
    return outcomes
