"""Running an approved request: preflight → execute once → verify → undo when not recovered.

Exactly-once: the caller must win ``approved → preflight``; the state is written *before* each
step, so a crash leaves a row that says how far it got. ``recover`` (run at start-up) resumes
what is safe to resume and fails loudly what might have run: it never executes twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot import observability
from bot.errors import AiopsError
from bot.remediate import audit
from bot.remediate.enums import State
from bot.remediate.models import NO_SIGNAL, Place
from bot.remediate.registry import ActionContext, ActionSpec, Params, VerifyOutcome, validate
from bot.remediate.service import get, transition
from bot.store import Database, RemediationRequest

log = logging.getLogger(__name__)

# (ctx, spec, params, request) -> outcome. Production checks the incident's signal metric.
Verifier = Callable[[ActionContext, ActionSpec, Params, RemediationRequest], VerifyOutcome]


@dataclass(frozen=True)
class Outcome:
    request_id: int
    action: str
    status: str  # verified | unverified | not_recovered | rolled_back | failed | skipped
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action, "status": self.status, "detail": self.detail}


def _default_verify(
    ctx: ActionContext, spec: ActionSpec, params: Params, req: RemediationRequest
) -> VerifyOutcome:
    if spec.verify is not None:
        return spec.verify(ctx, params, req.result.get("before", {}))
    return VerifyOutcome.unchecked(NO_SIGNAL)


def _finish(
    db: Database,
    req: RemediationRequest,
    frm: State,
    to: State,
    detail: str,
    ctx: ActionContext,
    **result: Any,
) -> Outcome:
    merged = {**req.result, **result}
    transition(
        db,
        request_id=req.id or 0,
        from_states=[frm],
        to=to,
        clock=ctx.clock,
        detail=detail,
        result=merged,
    )
    audit.of_request(
        db,
        req,
        actor=req.executed_by or "aiops",
        step=to.value,
        before=merged.get("before", {}),
        after=merged.get("after", {}),
        result=to.value,
        detail=detail,
        clock=ctx.clock,
    )
    observability.remediation_finished(to.value, automatic=req.required_approvals == 0)
    return Outcome(req.id or 0, req.action, to.value, detail)


def placed(ctx: ActionContext, req: RemediationRequest) -> ActionContext:
    """The context acting where the request was proposed (its ``Place``: another account's
    role and region), or the home one."""
    return ctx.at(Place.of(req.result.get("place")))


def execute(
    db: Database,
    *,
    request_id: int,
    ctx: ActionContext,
    worker: str = "aiops",
    verifier: Verifier | None = None,
) -> Outcome:
    """Run an approved request once. A second caller gets ``skipped``."""
    req = get(db, request_id=request_id)
    if not transition(
        db,
        request_id=request_id,
        from_states=[State.APPROVED],
        to=State.PREFLIGHT,
        clock=ctx.clock,
        executed_by=worker,
    ):
        return Outcome(request_id, req.action, "skipped", f"request is {req.state}, not approved")
    req = get(db, request_id=request_id)
    spec, params = validate(req.action, req.params)
    try:
        ctx = placed(ctx, req)
        before = spec.preflight(ctx, params)
    except AiopsError as exc:
        return _finish(db, req, State.PREFLIGHT, State.FAILED, f"preflight: {exc}", ctx)
    except Exception as exc:  # an upstream error in preflight: nothing ran
        return _finish(
            db,
            req,
            State.PREFLIGHT,
            State.FAILED,
            f"preflight error: {type(exc).__name__}: {exc}",
            ctx,
        )
    transition(
        db,
        request_id=request_id,
        from_states=[State.PREFLIGHT],
        to=State.RUNNING,
        clock=ctx.clock,
        result={**req.result, "before": before},
        runbook_commit=before.get("runbook_commit"),  # the version a runbook ran (else None)
    )
    req = get(db, request_id=request_id)
    try:
        after = spec.execute(ctx, params, before)
    except Exception as exc:
        return _finish(
            db,
            req,
            State.RUNNING,
            State.FAILED,
            f"execution failed: {type(exc).__name__}: {exc}",
            ctx,
        )
    transition(
        db,
        request_id=request_id,
        from_states=[State.RUNNING],
        to=State.VERIFYING,
        clock=ctx.clock,
        result={**req.result, "after": after},
    )
    audit.of_request(
        db,
        req,
        actor=worker,
        step="execute",
        before=before,
        after=after,
        result="executed",
        clock=ctx.clock,
    )
    if ctx.on_executed is not None:
        ctx.on_executed(req.action, req.params)
    return _verify_and_settle(db, get(db, request_id=request_id), spec, params, ctx, verifier)


def _verify_and_settle(
    db: Database,
    req: RemediationRequest,
    spec: ActionSpec,
    params: Params,
    ctx: ActionContext,
    verifier: Verifier | None,
) -> Outcome:
    verify = verifier or _default_verify
    try:
        outcome = verify(ctx, spec, params, req)
    except Exception as exc:
        outcome = VerifyOutcome(False, f"verification could not read the signal: {exc}")
    if not outcome.checked:  # nothing to judge by: neither a success nor a reason to undo
        return _finish(db, req, State.VERIFYING, State.UNVERIFIED, outcome.detail, ctx)
    if outcome.recovered:
        return _finish(db, req, State.VERIFYING, State.VERIFIED, outcome.detail, ctx)
    transition(
        db,
        request_id=req.id or 0,
        from_states=[State.VERIFYING],
        to=State.NOT_RECOVERED,
        clock=ctx.clock,
        detail=outcome.detail,
    )
    req = get(db, request_id=req.id or 0)
    if spec.undo is None:
        return _finish(
            db,
            req,
            State.NOT_RECOVERED,
            State.FAILED,
            f"{outcome.detail}; {spec.name} has no undo",
            ctx,
        )
    try:
        undone = spec.undo(ctx, params, req.result.get("before", {}))
    except Exception as exc:
        return _finish(
            db,
            req,
            State.NOT_RECOVERED,
            State.FAILED,
            f"{outcome.detail}; undo failed: {type(exc).__name__}: {exc}",
            ctx,
        )
    if ctx.on_executed is not None:
        ctx.on_executed(f"undo:{req.action}", req.params)
    return _finish(
        db,
        req,
        State.NOT_RECOVERED,
        State.ROLLED_BACK,
        f"{outcome.detail}; undone: restored the previous state",
        ctx,
        undone=undone,
    )


def recover(
    db: Database, *, ctx: ActionContext, worker: str = "aiops", verifier: Verifier | None = None
) -> list[Outcome]:
    """At start-up: finish or fail every request a crash left half-way. Never re-executes."""
    from sqlmodel import col, select

    half_way = [State.PREFLIGHT, State.RUNNING, State.VERIFYING, State.NOT_RECOVERED]
    with db.session() as s:
        rows = list(
            s.exec(
                select(RemediationRequest).where(
                    col(RemediationRequest.state).in_([x.value for x in half_way])
                )
            )
        )
    out: list[Outcome] = []
    for req in rows:
        rid = req.id or 0
        if req.state == State.PREFLIGHT:  # nothing was executed: safe to run from the start
            transition(
                db,
                request_id=rid,
                from_states=[State.PREFLIGHT],
                to=State.APPROVED,
                clock=ctx.clock,
            )
            out.append(execute(db, request_id=rid, ctx=ctx, worker=worker, verifier=verifier))
        elif req.state == State.RUNNING:  # may or may not have applied: do not guess
            out.append(
                _finish(
                    db,
                    req,
                    State.RUNNING,
                    State.FAILED,
                    "interrupted while executing (process restart); not re-run — "
                    "check the target's state before trying again",
                    ctx,
                )
            )
        elif req.state == State.VERIFYING:  # executed: only the check is left
            spec, params = validate(req.action, req.params)
            try:
                where = placed(ctx, req)
            except AiopsError as exc:  # its account cannot be reached now: it did run
                out.append(_finish(db, req, State.VERIFYING, State.UNVERIFIED, str(exc), ctx))
            else:
                out.append(_verify_and_settle(db, req, spec, params, where, verifier))
        else:  # NOT_RECOVERED: the undo may have started: do not guess
            out.append(
                _finish(
                    db,
                    req,
                    State.NOT_RECOVERED,
                    State.FAILED,
                    "interrupted while undoing (process restart); check the target",
                    ctx,
                )
            )
        log.warning(
            "recovered remediation request", extra={"request_id": rid, "status": out[-1].status}
        )
    _ = get
    return out
