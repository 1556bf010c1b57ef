"""A synced runbook runs against the sandbox (the local Kubernetes API through the real
client): the request records the commit it ran (SQLite and PostgreSQL), and each step rolls back
by its own rule — its own rollback action, nothing, or the action's undo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes.client import CoreV1Api

from bot.remediate import flows, registry, service
from bot.remediate.policy import AutoApprove, Policy
from bot.remediate.registry import ActionContext
from bot.remediate.runbooks_live import LIVE
from bot.runbooks.sync import RunbookSync
from bot.store import Database
from integrations.kubernetes import KubernetesApi
from sandbox.remediate.context import context_for_world
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld
from tests.integration.runbooks.conftest import RunbookRepo

WORLD_FILE = Path(__file__).parents[1] / "remediate" / "world_all.yaml"

SCALE = """\
name: scale-web
description: Scale up, restart; rolled back to one replica, the restart left as it is.
inputs:
  target: {type: str}
  replicas: {type: int, default: 4}
steps:
  - action: k8s.scale_deployment
    params: {namespace: prod, name: "{target}", replicas: "{replicas}"}
    rollback:
      action: k8s.scale_deployment
      params: {namespace: prod, name: "{target}", replicas: 1}
  - action: k8s.restart_deployment
    params: {namespace: prod, name: "{target}"}
    rollback: none
"""


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with SandboxWorld(load_scenario(WORLD_FILE).scenario) as running:
        yield running


@pytest.fixture
def ctx(world: SandboxWorld) -> Iterator[ActionContext]:
    context = context_for_world(world)
    yield context
    KubernetesApi(context.k8s).apps.patch_namespaced_deployment_scale(
        "web", "prod", {"spec": {"replicas": 2}}
    )


def _replicas(ctx: ActionContext) -> int:
    return int(KubernetesApi(ctx.k8s).get_deployment("prod", "web").replicas)


def _synced(repo: RunbookRepo, tmp_path: Path) -> str:
    repo.write("scale-web.yaml", SCALE)
    commit = repo.commit("scale-web")
    assert RunbookSync(url=str(repo.path), ref="main", cache=tmp_path / "cache").sync().ok
    return commit


def test_an_execution_records_the_commit_it_ran(
    database: Database, ctx: ActionContext, repo: RunbookRepo, tmp_path: Path
) -> None:
    commit = _synced(repo, tmp_path)
    policy = Policy(auto_approve=[AutoApprove(risk="medium", actions=["runbook.run"])])
    proposal = service.propose(
        database, action="runbook.run", params={"name": "scale-web", "target": "web"},
        requested_by="U1", policy=policy,
    )  # fmt: skip
    assert proposal.request.state == "approved" and proposal.request.id is not None
    outcome = flows.execute(database, request_id=proposal.request.id, ctx=ctx)
    assert outcome.status == "verified", outcome.detail
    row = service.get(database, request_id=proposal.request.id)
    assert row.runbook_commit == commit
    assert row.result["before"]["runbook_commit"] == commit
    assert _replicas(ctx) == 4


def test_each_step_rolls_back_by_its_own_rule(
    ctx: ActionContext, repo: RunbookRepo, tmp_path: Path
) -> None:
    _synced(repo, tmp_path)
    spec, typed = registry.validate("runbook.run", {"name": "scale-web", "target": "web"})
    before = spec.preflight(ctx, typed)
    spec.execute(ctx, typed, before)
    assert _replicas(ctx) == 4
    assert spec.undo is not None
    undone = spec.undo(ctx, typed, before)
    # the scale step's own rollback (one replica), not the registry undo (back to two)
    assert _replicas(ctx) == 1
    assert [u["action"] for u in undone["undone"]] == ["k8s.scale_deployment"]


def test_a_request_runs_the_version_it_was_preflighted_on(
    ctx: ActionContext, repo: RunbookRepo, tmp_path: Path
) -> None:
    """A push between preflight and execute does not change what runs."""
    first = _synced(repo, tmp_path)
    spec, typed = registry.validate("runbook.run", {"name": "scale-web", "target": "web"})
    before = spec.preflight(ctx, typed)
    repo.write("scale-web.yaml", SCALE.replace("default: 4", "default: 3"))
    repo.commit("three replicas")
    assert RunbookSync(url=str(repo.path), ref="main", cache=tmp_path / "cache").sync().ok
    assert LIVE.current().commit != first
    spec.execute(ctx, typed, before)
    assert _replicas(ctx) == 4  # the preflighted version's default


FAILS_LATE = """\
name: scale-then-fail
description: The third step fails (the pod is gone by then); the first rolls back by its rule.
inputs:
  target: {type: str}
  pod: {type: str}
steps:
  - action: k8s.scale_deployment
    params: {namespace: prod, name: "{target}", replicas: 5}
    rollback:
      action: k8s.scale_deployment
      params: {namespace: prod, name: "{target}", replicas: 1}
  - action: k8s.delete_pod
    params: {namespace: prod, name: "{pod}"}
    rollback: none
  - action: k8s.delete_pod
    params: {namespace: prod, name: "{pod}"}
    rollback: none
"""


def test_a_failing_step_rolls_back_the_steps_done_each_by_its_rule(
    ctx: ActionContext, repo: RunbookRepo, tmp_path: Path
) -> None:
    repo.write("scale-then-fail.yaml", FAILS_LATE)
    repo.commit("fails late")
    assert RunbookSync(url=str(repo.path), ref="main", cache=tmp_path / "cache").sync().ok
    pods = CoreV1Api(ctx.k8s).list_namespaced_pod("prod").items
    pod = next(p.metadata.name for p in pods if p.metadata.name.startswith("web-"))
    spec, typed = registry.validate(
        "runbook.run", {"name": "scale-then-fail", "target": "web", "inputs": {"pod": pod}}
    )
    before = spec.preflight(ctx, typed)  # every step preflights: the pod still exists
    with pytest.raises(RuntimeError, match="k8s.delete_pod failed") as failed:
        spec.execute(ctx, typed, before)
    assert "2 earlier step(s) rolled back" in str(failed.value)
    assert _replicas(ctx) == 1  # the scale step's own rollback ran
