"""A worker killed (SIGKILL) between approve and verify is resumed at start-up and never runs
the action twice; bad input is refused with a clear message, audited, and runs nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.errors import Conflict, Forbidden, UserError
from bot.remediate import audit, flows, service
from bot.remediate.enums import State
from bot.remediate.policy import Policy
from bot.remediate.registry import ActionContext
from bot.store import Database, connect
from integrations.kubernetes import KubernetesApi
from sandbox.remediate.context import context_for_world
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld

ROOT = Path(__file__).resolve().parents[3]
WORLD_FILE = Path(__file__).with_name("world_all.yaml")
OPS = ["operator", "responder"]

WORKER = """
import sys, time
from bot.remediate import flows
from bot.remediate.registry import ActionContext
from bot.store import connect
from integrations.kubernetes import client_from_kubeconfig

db = connect(sys.argv[1])
ctx = ActionContext(k8s=client_from_kubeconfig(sys.argv[2]))

def stuck(*_):
    print("verifying", flush=True)
    time.sleep(600)

flows.execute(db, request_id=int(sys.argv[3]), ctx=ctx, worker="doomed", verifier=stuck)
"""


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with SandboxWorld(load_scenario(WORLD_FILE).scenario) as running:
        yield running


@pytest.fixture(scope="module")
def ctx(world: SandboxWorld) -> ActionContext:
    return context_for_world(world)


def _revision(ctx: ActionContext) -> int:
    return int(KubernetesApi(ctx.k8s).get_deployment("prod", "web").revision or 0)


def _approved(db: Database, action: str, params: dict, ctx: ActionContext) -> int:
    p = service.propose(
        db, action=action, params=params, requested_by="U_REQ", policy=Policy(), clock=ctx.clock
    )
    rid = p.request.id or 0
    service.approve(db, request_id=rid, user="U_OP", roles=OPS, policy=Policy(), clock=ctx.clock)
    return rid


def test_killed_between_approve_and_verify_is_resumed_never_rerun(
    world: SandboxWorld, ctx: ActionContext, sqlite_url: str
) -> None:
    db = connect(sqlite_url)
    start = _revision(ctx)
    rid = _approved(db, "k8s.restart_deployment", {"namespace": "prod", "name": "web"}, ctx)
    kubeconfig = str(world.endpoints.kubeconfig_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, sqlite_url, kubeconfig, str(rid)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"verifying"
        assert service.get(db, request_id=rid).state == State.VERIFYING
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert _revision(ctx) == start + 1  # the worker executed once before dying
    outcomes = flows.recover(db, ctx=ctx)  # start-up: resume the check, do not execute again
    assert [(o.request_id, o.status) for o in outcomes] == [(rid, "verified")]
    assert _revision(ctx) == start + 1
    assert flows.recover(db, ctx=ctx) == []
    assert flows.execute(db, request_id=rid, ctx=ctx).status == "skipped"
    assert _revision(ctx) == start + 1
    assert audit.verify_chain(db).ok
    db.dispose()


def _refusals(db: Database) -> list[str]:
    return [e for e in audit.export(db) if '"refused"' in e]


def test_bad_input_is_refused_audited_and_runs_nothing(ctx: ActionContext, sqlite_url: str) -> None:
    db = connect(sqlite_url)
    before = _revision(ctx)
    with pytest.raises(UserError, match="unknown action 'k8s.nuke_cluster'"):
        service.propose(db, action="k8s.nuke_cluster", params={}, requested_by="U", policy=Policy())
    with pytest.raises(UserError, match="replicas"):
        service.propose(
            db,
            action="k8s.scale_deployment",
            params={"namespace": "prod", "name": "web", "replicas": "lots"},
            requested_by="U",
            policy=Policy(),
        )
    with pytest.raises(UserError, match="name: Field required"):
        service.propose(
            db,
            action="k8s.restart_deployment",
            params={"namespace": "prod"},
            requested_by="U",
            policy=Policy(),
        )
    # a target that does not exist: preflight fails, nothing runs
    rid = _approved(db, "k8s.restart_deployment", {"namespace": "prod", "name": "ghost"}, ctx)
    out = flows.execute(db, request_id=rid, ctx=ctx)
    assert out.status == "failed" and "does not exist" in out.detail
    # approver without the role; requester approving own high-risk action
    high = (
        service.propose(
            db,
            action="iam.deactivate_access_key",
            params={"user": "deployer"},
            requested_by="U_REQ",
            policy=Policy(),
            clock=ctx.clock,
        ).request.id
        or 0
    )
    with pytest.raises(Forbidden, match="role operator"):
        service.approve(
            db, request_id=high, user="U_X", roles=["viewer"], policy=Policy(), clock=ctx.clock
        )
    with pytest.raises(Forbidden, match="you requested it"):
        service.approve(
            db, request_id=high, user="U_REQ", roles=OPS, policy=Policy(), clock=ctx.clock
        )
    # an expired request
    stale = (
        service.propose(
            db,
            action="k8s.scale_deployment",
            params={"namespace": "prod", "name": "web", "replicas": 5},
            requested_by="U",
            policy=Policy(),
            clock=ctx.clock,
            ttl=timedelta(seconds=-1),
        ).request.id
        or 0
    )
    with pytest.raises(Conflict, match="expired"):
        service.approve(
            db, request_id=stale, user="U_OP", roles=OPS, policy=Policy(), clock=ctx.clock
        )
    # a request already executed
    with pytest.raises(Conflict, match="already failed"):
        service.approve(
            db, request_id=rid, user="U_OP2", roles=OPS, policy=Policy(), clock=ctx.clock
        )
    assert len(_refusals(db)) >= 4
    assert service.get(db, request_id=high).state == State.PENDING
    assert _revision(ctx) == before
    assert KubernetesApi(ctx.k8s).get_deployment("prod", "web").replicas == 2
    assert audit.verify_chain(db).ok
    db.dispose()
