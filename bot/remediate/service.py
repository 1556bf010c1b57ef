"""Remediation requests and approvals: rows, state transitions by compare-and-set.

Every transition is one ``UPDATE … WHERE id = :id AND state IN (…)``: of any number of racing
callers exactly one sees ``rowcount == 1``. Approvals are unique per request and user. Nothing in
this module runs an action; ``flows.execute`` does, after winning ``approved → preflight``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from bot.clock import Clock, SystemClock
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.remediate import audit
from bot.remediate.enums import Risk, State
from bot.remediate.models import Place
from bot.remediate.policy import Policy, Requirement, requirement, window_blocks
from bot.remediate.registry import validate
from bot.store import Approval, Database, RemediationRequest


def idempotency_key(scope: str, action: str, params: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
    return f"{scope}:{action}:{digest[:16]}"


def get(db: Database, *, request_id: int) -> RemediationRequest:
    with db.session() as s:
        req = s.get(RemediationRequest, request_id)
    if req is None:
        raise NotFound(f"remediation request {request_id} does not exist")
    return req


def transition(
    db: Database,
    *,
    request_id: int,
    from_states: Iterable[State],
    to: State,
    clock: Clock | None = None,
    **values: Any,
) -> bool:
    """Move a request to ``to`` only if it is in one of ``from_states``; True if this call did."""
    now = (clock or SystemClock()).now()
    stmt = (
        update(RemediationRequest)
        .where(col(RemediationRequest.id) == request_id)
        .where(col(RemediationRequest.state).in_([s.value for s in from_states]))
        .values(state=to.value, updated_at=now, version=RemediationRequest.version + 1, **values)
    )
    with db.session() as s:
        result = s.exec(stmt)  # type: ignore[call-overload]
        return bool(result.rowcount == 1)


@dataclass(frozen=True)
class Proposal:
    request: RemediationRequest
    created: bool
    explanation: str


def propose(
    db: Database,
    *,
    action: str,
    params: dict[str, Any],
    requested_by: str,
    policy: Policy,
    incident_id: int | None = None,
    investigation_id: int | None = None,
    incident_class: str | None = None,
    team: str | None = None,
    rationale: str = "",
    verify_signal: dict[str, Any] | None = None,
    ttl: timedelta = timedelta(minutes=30),
    clock: Clock | None = None,
    never_auto: bool = False,
    place: Place | None = None,
) -> Proposal:
    """Create (once) a request for ``action``; auto-approved ones come back already approved
    (``never_auto``: a write waits for an approver even where the policy would auto-approve;
    ``place``: the account and region it acts in, when not the bot's home)."""
    clock = clock or SystemClock()
    try:
        spec, typed = validate(action, params)
    except UserError as exc:  # unknown action or bad params: refused, and the refusal audited
        audit.append(
            db,
            actor=requested_by,
            action="remediation.propose",
            target=action,
            params=params,
            result="refused",
            detail=str(exc),
            clock=clock,
        )
        raise
    need = requirement(
        policy, action=action, risk=spec.risk, incident_class=incident_class, team=team
    )
    if never_auto and need.auto and spec.risk != Risk.READ:
        count = max(1, policy.approvals.get(spec.risk, 1))
        why = f"{spec.risk} risk: waits for {count} approver(s) with role {need.role} (no auto-run)"
        need = Requirement(count, need.role, False, why)
    scope = f"inc{incident_id}" if incident_id else f"inv{investigation_id or 'adhoc'}"
    where = {"place": place.as_json()} if place else {}
    key = idempotency_key(scope, action, {**typed.model_dump(), **where})
    now = clock.now()
    req = RemediationRequest(
        idempotency_key=key,
        incident_id=incident_id,
        investigation_id=investigation_id,
        action=action,
        params=typed.model_dump(mode="json"),
        risk=spec.risk.value,
        rationale=rationale,
        requested_by=requested_by,
        state=(State.APPROVED if need.auto else State.PENDING).value,
        required_approvals=need.approvals,
        created_at=now,
        updated_at=now,
        expires_at=now + ttl,
        result={"verify_signal": verify_signal or {}, **where},
        detail=need.explanation,
    )
    try:
        with db.session() as s:
            s.add(req)
    except IntegrityError:
        with db.session() as s:
            existing = s.exec(
                select(RemediationRequest).where(RemediationRequest.idempotency_key == key)
            ).one()
        return Proposal(existing, False, "the same action was already proposed")
    audit.of_request(
        db,
        req,
        actor=requested_by,
        step="propose",
        result=req.state,
        detail=f"{need.explanation}; acts in {place}" if place else need.explanation,
        clock=clock,
    )
    return Proposal(req, True, need.explanation)


@dataclass(frozen=True)
class Decision:
    request: RemediationRequest
    ready_to_run: bool  # True for exactly one caller: the one whose approval completed the set
    message: str


def _approvals(db: Database, request_id: int) -> int:
    with db.session() as s:
        return int(
            s.exec(
                select(func.count())
                .select_from(Approval)
                .where(Approval.request_id == request_id, Approval.decision == "approve")
            ).one()
        )


def _refuse(
    db: Database, req: RemediationRequest, user: str, why: str, exc: type[Exception], clock: Clock
) -> None:
    audit.of_request(
        db,
        req,
        actor=user,
        step="approve",
        result="refused",
        detail=why,
        clock=clock,
    )
    raise exc(why)


def approve(
    db: Database,
    *,
    request_id: int,
    user: str,
    roles: Iterable[str],
    policy: Policy,
    clock: Clock | None = None,
) -> Decision:
    clock = clock or SystemClock()
    req = get(db, request_id=request_id)
    now = clock.now()
    if req.state == State.PENDING and req.expires_at and now > req.expires_at:
        transition(
            db, request_id=request_id, from_states=[State.PENDING], to=State.EXPIRED, clock=clock
        )
        _refuse(
            db,
            req,
            user,
            f"request {request_id} expired at "
            f"{req.expires_at:%H:%M UTC}; ask the bot to propose it again",
            Conflict,
            clock,
        )
    if req.state != State.PENDING:
        _refuse(
            db,
            req,
            user,
            f"request {request_id} is already {req.state}; nothing to approve",
            Conflict,
            clock,
        )
    need = requirement(policy, action=req.action, risk=Risk(req.risk))
    if need.role and need.role not in set(roles):
        _refuse(
            db,
            req,
            user,
            f"{req.action} needs an approver with role {need.role}; you do not have it",
            Forbidden,
            clock,
        )
    if Risk(req.risk) == Risk.HIGH and user == req.requested_by:
        _refuse(
            db,
            req,
            user,
            f"{req.action} is high risk and needs a second approver with role "
            f"{need.role}; you requested it, so someone else must approve",
            Forbidden,
            clock,
        )
    blocked = window_blocks(policy, Risk(req.risk), now)
    if blocked:
        _refuse(db, req, user, blocked, Forbidden, clock)
    try:
        with db.session() as s:
            s.add(Approval(request_id=request_id, user=user, decision="approve", decided_at=now))
    except IntegrityError:
        _refuse(db, req, user, f"you already approved request {request_id}", Conflict, clock)
    have = _approvals(db, request_id)
    audit.of_request(
        db,
        req,
        actor=user,
        step="approve",
        result="approved",
        detail=f"{have}/{req.required_approvals}",
        clock=clock,
    )
    if have < req.required_approvals:
        missing = req.required_approvals - have
        return Decision(
            get(db, request_id=request_id),
            False,
            f"approved by {user}; needs {missing} more approver(s) with role "
            f"{need.role} who did not request it",
        )
    won = transition(
        db, request_id=request_id, from_states=[State.PENDING], to=State.APPROVED, clock=clock
    )
    msg = f"approved by {user}; running {req.action}" if won else "approval recorded"
    return Decision(get(db, request_id=request_id), won, msg)


def reject(
    db: Database, *, request_id: int, user: str, reason: str = "", clock: Clock | None = None
) -> RemediationRequest:
    clock = clock or SystemClock()
    req = get(db, request_id=request_id)
    if not transition(
        db,
        request_id=request_id,
        from_states=[State.PENDING],
        to=State.REJECTED,
        clock=clock,
        detail=f"rejected by {user}: {reason}".strip(": "),
    ):
        audit.of_request(
            db,
            req,
            actor=user,
            step="reject",
            result="refused",
            detail=f"state {req.state}",
            clock=clock,
        )
        raise Conflict(f"request {request_id} is already {req.state}; it cannot be rejected")
    with db.session() as s:
        s.add(Approval(request_id=request_id, user=user, decision="reject", reason=reason))
    audit.of_request(
        db,
        req,
        actor=user,
        step="reject",
        result="rejected",
        detail=reason,
        clock=clock,
    )
    return get(db, request_id=request_id)


def expire_due(db: Database, *, now: datetime) -> list[int]:
    with db.session() as s:
        ids = list(
            s.exec(
                select(RemediationRequest.id).where(
                    RemediationRequest.state == State.PENDING.value,
                    col(RemediationRequest.expires_at) < now,
                )
            )
        )
    return [
        i
        for i in ids
        if i is not None
        and transition(db, request_id=i, from_states=[State.PENDING], to=State.EXPIRED)
    ]


def pending(db: Database) -> list[RemediationRequest]:
    with db.session() as s:
        return list(
            s.exec(
                select(RemediationRequest)
                .where(RemediationRequest.state == State.PENDING.value)
                .order_by(col(RemediationRequest.id))
            )
        )


def listed(db: Database, *, pending_only: bool = True) -> list[RemediationRequest]:
    """Requests in id order: the pending ones, or (``pending_only=False``) all of them."""
    if pending_only:
        return pending(db)
    with db.session() as s:
        return list(s.exec(select(RemediationRequest).order_by(col(RemediationRequest.id))))
