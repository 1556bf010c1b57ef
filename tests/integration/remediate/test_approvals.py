"""Approvals and execution: policy, expiry, exactly-once under races, crash recovery.

The action here is a test action over an in-memory target: these tests are about the state
machine. Each real action is tested against the sandbox in its own module.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import SandboxClock
from bot.errors import Conflict, Forbidden, UserError
from bot.remediate import audit, flows, service
from bot.remediate.enums import Risk, State
from bot.remediate.policy import AutoApprove, ChangeWindow, Policy
from bot.remediate.registry import (
    REGISTRY,
    ActionContext,
    ActionSpec,
    Params,
    VerifyOutcome,
    register,
)
from bot.store import Database

WORLD: dict[str, Any] = {"replicas": 2, "executions": 0, "healthy": True}
_lock = threading.Lock()


class ScaleParams(Params):
    name: str
    replicas: int


def _pre(ctx: ActionContext, p: ScaleParams) -> dict[str, Any]:
    if p.name != "web":
        from bot.remediate.registry import PreflightFailed

        raise PreflightFailed(f"deployment {p.name} does not exist")
    return {"replicas": WORLD["replicas"]}


def _exe(ctx: ActionContext, p: ScaleParams, before: dict[str, Any]) -> dict[str, Any]:
    with _lock:
        WORLD["executions"] += 1
        WORLD["replicas"] = p.replicas
    return {"replicas": p.replicas}


def _undo(ctx: ActionContext, p: ScaleParams, before: dict[str, Any]) -> dict[str, Any]:
    WORLD["replicas"] = before["replicas"]
    return {"replicas": before["replicas"]}


def _verify(ctx: ActionContext, p: ScaleParams, before: dict[str, Any]) -> VerifyOutcome:
    return VerifyOutcome(bool(WORLD["healthy"]), "healthy" if WORLD["healthy"] else "still bad")


for risk in (Risk.MEDIUM, Risk.HIGH, Risk.LOW):
    name = f"test.scale_{risk.value}"
    if name not in REGISTRY:
        register(ActionSpec(name, ScaleParams, risk, "scale", _pre, _exe, _undo, _verify))

NOW = datetime(2025, 3, 11, 14, 30, tzinfo=UTC)
OPERATOR = ["operator"]


@pytest.fixture(autouse=True)
def _reset_world() -> None:
    WORLD.update(replicas=2, executions=0, healthy=True)


def _propose(
    db: Database,
    risk: Risk = Risk.MEDIUM,
    clock: SandboxClock | None = None,
    policy: Policy | None = None,
    **kw: Any,
) -> int:
    p = service.propose(
        db,
        action=f"test.scale_{risk.value}",
        params={"name": "web", "replicas": 5},
        requested_by=kw.pop("by", "U_REQ"),
        policy=policy or Policy(),
        incident_id=None,
        investigation_id=None,
        clock=clock or SandboxClock(NOW),
        **kw,
    )
    assert p.request.id is not None
    return p.request.id


def _approve(
    db: Database,
    rid: int,
    user: str,
    *,
    roles: list[str] = OPERATOR,
    policy: Policy | None = None,
    clock: SandboxClock | None = None,
) -> service.Decision:
    """``user`` approves request ``rid`` (as an operator, under the default policy, at ``NOW``)."""
    return service.approve(
        db,
        request_id=rid,
        user=user,
        roles=roles,
        policy=policy or Policy(),
        clock=clock or SandboxClock(NOW),
    )


def test_unknown_action_and_bad_params_are_refused(database: Database) -> None:
    with pytest.raises(UserError, match="unknown action 'k8s.nuke'"):
        service.propose(database, action="k8s.nuke", params={}, requested_by="U", policy=Policy())
    refused = [e for e in audit.export(database) if "k8s.nuke" in e]
    assert len(refused) == 1 and '"refused"' in refused[0]
    with pytest.raises(UserError, match="replicas"):
        service.propose(
            database,
            action="test.scale_medium",
            params={"name": "web", "replicas": "many"},
            requested_by="U",
            policy=Policy(),
        )


def test_proposing_twice_gives_the_same_request(database: Database) -> None:
    a = _propose(database)
    b = _propose(database)
    assert a == b


def test_approver_without_role_is_refused_and_audited(database: Database) -> None:
    rid = _propose(database)
    with pytest.raises(Forbidden, match="role operator"):
        _approve(database, rid, "U_X", roles=["viewer"])
    assert service.get(database, request_id=rid).state == State.PENDING
    entries = list(audit.export(database))
    assert any('"refused"' in e and "U_X" in e for e in entries)


def test_high_risk_needs_a_second_person_not_the_requester(database: Database) -> None:
    rid = _propose(database, Risk.HIGH, by="U_REQ")
    with pytest.raises(Forbidden, match="you requested it"):
        _approve(database, rid, "U_REQ")
    first = _approve(database, rid, "U_A")
    assert not first.ready_to_run and "needs 1 more" in first.message
    with pytest.raises(Conflict, match="already approved"):
        _approve(database, rid, "U_A")
    second = _approve(database, rid, "U_B")
    assert second.ready_to_run and second.request.state == State.APPROVED


def test_expired_request_says_so_and_never_runs(database: Database) -> None:
    clock = SandboxClock(NOW)
    rid = _propose(database, clock=clock)
    clock.advance(timedelta(minutes=31))
    with pytest.raises(Conflict, match="expired"):
        _approve(database, rid, "U_A", clock=clock)
    assert service.get(database, request_id=rid).state == State.EXPIRED
    out = flows.execute(database, request_id=rid, ctx=ActionContext(clock=clock))
    assert out.status == "skipped" and WORLD["executions"] == 0


def test_auto_approved_low_risk_and_change_window(database: Database) -> None:
    pol = Policy(auto_approve=[AutoApprove(risk=Risk.LOW)])
    rid = _propose(database, Risk.LOW, policy=pol)
    assert service.get(database, request_id=rid).state == State.APPROVED
    closed = Policy(change_windows=[ChangeWindow(risk=Risk.MEDIUM, days=["sat"])])
    rid2 = _propose(database, Risk.MEDIUM, policy=closed)  # NOW is a Tuesday
    with pytest.raises(Forbidden, match="outside the change window"):
        _approve(database, rid2, "U_A", policy=closed)


def test_twenty_racing_approvers_execute_once(database: Database) -> None:
    rid = _propose(database)
    results: list[str] = []
    barrier = threading.Barrier(20)

    def click(i: int) -> None:
        barrier.wait()
        try:
            d = _approve(database, rid, f"U{i % 3}")
            if d.ready_to_run:
                results.append(flows.execute(database, request_id=rid, ctx=ActionContext()).status)
        except (Conflict, Forbidden):
            results.append("refused")
        out = flows.execute(database, request_id=rid, ctx=ActionContext())
        results.append(out.status)

    threads = [threading.Thread(target=click, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert WORLD["executions"] == 1
    assert results.count("verified") == 1
    assert service.get(database, request_id=rid).state == State.VERIFIED


def test_not_recovered_is_rolled_back(database: Database) -> None:
    WORLD["healthy"] = False
    rid = _propose(database)
    _approve(database, rid, "U_A")
    out = flows.execute(database, request_id=rid, ctx=ActionContext())
    assert out.status == "rolled_back" and "still bad" in out.detail
    assert WORLD["replicas"] == 2 and WORLD["executions"] == 1
    assert audit.verify_chain(database).ok


def test_preflight_failure_runs_nothing(database: Database) -> None:
    p = service.propose(
        database,
        action="test.scale_medium",
        params={"name": "ghost", "replicas": 3},
        requested_by="U",
        policy=Policy(),
        clock=SandboxClock(NOW),
    )
    rid = p.request.id or 0
    _approve(database, rid, "U_A")
    out = flows.execute(database, request_id=rid, ctx=ActionContext())
    assert out.status == "failed" and "does not exist" in out.detail
    assert WORLD["executions"] == 0


@pytest.mark.parametrize(
    ("crashed_in", "expected", "executions"),
    [
        (State.PREFLIGHT, "verified", 1),
        (State.RUNNING, "failed", 0),
        (State.VERIFYING, "verified", 0),
    ],
)
def test_restart_resumes_or_fails_but_never_reexecutes(
    database: Database, crashed_in: State, expected: str, executions: int
) -> None:
    rid = _propose(database)
    _approve(database, rid, "U_A")
    # the process died with the row in `crashed_in` (set as the dead worker left it)
    assert service.transition(database, request_id=rid, from_states=[State.APPROVED], to=crashed_in)
    outcomes = flows.recover(database, ctx=ActionContext())
    assert [o.status for o in outcomes] == [expected]
    assert WORLD["executions"] == executions
    assert flows.recover(database, ctx=ActionContext()) == []


def test_audit_chain_detects_tampering(database: Database) -> None:
    from sqlalchemy import text

    rid = _propose(database)
    _approve(database, rid, "U_A")
    flows.execute(database, request_id=rid, ctx=ActionContext())
    report = audit.verify_chain(database)
    assert report.ok and report.entries >= 3
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE auditentry SET actor = 'mallory' WHERE id = 2"))
    bad = audit.verify_chain(database)
    assert not bad.ok and bad.first_bad_id == 2
