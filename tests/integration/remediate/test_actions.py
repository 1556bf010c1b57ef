"""Every registry action runs against the sandbox (moto + the local Kubernetes API) through the
real clients, then its undo; the resource is read back before, after and after the undo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.remediate import registry
from bot.remediate.registry import ActionContext, PreflightFailed
from integrations.aws import ec2, ecs, lambda_, rds, s3
from integrations.aws import writes_compute as wc
from integrations.aws import writes_data as wd
from integrations.kubernetes import KubernetesApi
from sandbox.remediate.context import context_for_world
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld

WORLD_FILE = Path(__file__).with_name("world_all.yaml")


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with SandboxWorld(load_scenario(WORLD_FILE).scenario) as running:
        yield running


@pytest.fixture(scope="module")
def ctx(world: SandboxWorld) -> ActionContext:
    return context_for_world(world)


def _k8s(ctx: ActionContext) -> KubernetesApi:
    return KubernetesApi(ctx.k8s)


def _instance_state(ctx: ActionContext, ref: str) -> str:
    return ec2.find_instance(ctx.client("ec2"), ctx.real_id(ref)).state


def _rules(ctx: ActionContext) -> set[tuple[int | None, str]]:
    group = ec2.security_groups(ctx.client("ec2"), names=["edge-sg"])[0]
    return {(r.from_port, r.cidr) for r in group.ingress}


def _keys(ctx: ActionContext) -> list[str]:
    return [k.status for k in wd.access_keys(ctx.client("iam"), "deployer")]


# (action, params, read state, state before, state after the action)
CASES: list[tuple[str, dict[str, Any], Callable[[ActionContext], Any], Any, Any]] = [
    (
        "k8s.rollback_deployment",
        {"namespace": "prod", "name": "web"},
        lambda c: _k8s(c).get_deployment("prod", "web").image,
        "acme/web:v2",
        "acme/web:v1",
    ),
    (
        "k8s.scale_deployment",
        {"namespace": "prod", "name": "web", "replicas": 4},
        lambda c: _k8s(c).get_deployment("prod", "web").replicas,
        2,
        4,
    ),
    (
        "k8s.restart_deployment",
        {"namespace": "prod", "name": "web"},
        lambda c: (
            "kubectl.kubernetes.io/restartedAt"
            in str(_k8s(c).apps.read_namespaced_deployment("web", "prod").spec.template)
        ),
        False,
        True,
    ),
    (
        "k8s.set_resources",
        {"namespace": "prod", "name": "web", "container": "app", "memory": "512Mi"},
        lambda c: (
            _k8s(c)
            .apps.read_namespaced_deployment("web", "prod")
            .spec.template.spec.containers[0]
            .resources.limits.get("memory")
        ),
        "256Mi",
        "512Mi",
    ),
    (
        "ec2.start_instance",
        {"instance": "box-2"},
        lambda c: _instance_state(c, "box-2"),
        "stopped",
        "running",
    ),
    (
        "ec2.revoke_ingress",
        {"group": "edge-sg", "port": 22, "cidr": "0.0.0.0/0"},
        lambda c: (22, "0.0.0.0/0") in _rules(c),
        True,
        False,
    ),
    (
        "s3.block_public_access",
        {"bucket": "open-exports"},
        lambda c: s3.bucket_state(c.client("s3"), "open-exports").public,
        True,
        False,
    ),
    (
        "rds.modify_parameter",
        {"id": "main-db", "name": "max_connections", "value": "250"},
        lambda c: rds.parameter(c.client("rds"), "main-db-params", "max_connections"),
        "100",
        "250",
    ),
    (
        "lambda.set_timeout",
        {"name": "resizer", "seconds": 120},
        lambda c: lambda_.get_config(c.client("lambda"), "resizer").timeout,
        30,
        120,
    ),
    (
        "lambda.set_memory",
        {"name": "resizer", "memory_mb": 256},
        lambda c: lambda_.get_config(c.client("lambda"), "resizer").memory,
        512,
        256,
    ),
    (
        "ec2.stop_instance",
        {"instance": "box-1"},
        lambda c: _instance_state(c, "box-1"),
        "running",
        "stopped",
    ),
    (
        "lambda.set_reserved_concurrency",
        {"name": "resizer", "concurrency": 50},
        lambda c: lambda_.get_config(c.client("lambda"), "resizer").reserved_concurrency,
        5,
        50,
    ),
    (
        "ecs.rollback_service",
        {"cluster": "prod", "service": "api"},
        lambda c: ecs.describe_service(c.client("ecs"), "prod", "api").task_definition_revision,
        7,
        6,
    ),
    (
        "ecs.scale_service",
        {"cluster": "prod", "service": "api", "desired": 5},
        lambda c: ecs.describe_service(c.client("ecs"), "prod", "api").desired,
        2,
        5,
    ),
    (
        "asg.set_desired_capacity",
        {"name": "web-asg", "desired": 4},
        lambda c: wc.describe_asg(c.client("autoscaling"), "web-asg").desired,
        2,
        4,
    ),
    (
        "iam.deactivate_access_key",
        {"user": "deployer"},
        _keys,
        ["Active"],
        ["Inactive"],
    ),
    (
        "runbook.run",
        {"name": "restart-and-scale", "target": "web", "inputs": {"replicas": 3}},
        lambda c: _k8s(c).get_deployment("prod", "web").replicas,
        2,
        3,
    ),
]


@pytest.mark.parametrize(
    ("action", "params", "read", "before", "after"), CASES, ids=[c[0] for c in CASES]
)
def test_action_and_undo_change_the_resource(
    ctx: ActionContext,
    action: str,
    params: dict[str, Any],
    read: Callable[[ActionContext], Any],
    before: Any,
    after: Any,
) -> None:
    spec, typed = registry.validate(action, params)
    assert read(ctx) == before
    snapshot = spec.preflight(ctx, typed)
    spec.execute(ctx, typed, snapshot)
    assert read(ctx) == after
    assert spec.undo is not None
    spec.undo(ctx, typed, snapshot)
    assert read(ctx) == before


@pytest.mark.parametrize(
    ("action", "params", "read"),
    [
        ("ec2.reboot_instance", {"instance": "box-1"}, lambda c: _instance_state(c, "box-1")),
        (
            "rds.reboot_instance",
            {"id": "main-db"},
            lambda c: rds.describe(c.client("rds"), "main-db").status,
        ),
        (
            "cloudfront.invalidate",
            {"distribution": "www", "paths": ["/index.html"]},
            lambda c: wd.distribution_status(c.client("cloudfront"), c.real_id("www")),
        ),
    ],
    ids=["ec2.reboot_instance", "rds.reboot_instance", "cloudfront.invalidate"],
)
def test_stateless_actions_run_and_undo_restores_nothing_to_restore(
    ctx: ActionContext, action: str, params: dict[str, Any], read: Callable[[ActionContext], Any]
) -> None:
    spec, typed = registry.validate(action, params)
    state = read(ctx)
    snapshot = spec.preflight(ctx, typed)
    after = spec.execute(ctx, typed, snapshot)
    assert after
    assert spec.undo is not None
    undone = spec.undo(ctx, typed, snapshot)
    assert "nothing to restore" in undone["note"]
    assert read(ctx) == state


def test_delete_pod_is_replaced_by_its_controller(ctx: ActionContext) -> None:
    api = _k8s(ctx)
    pods = [p.name for p in api.list_pods("prod") if p.name.startswith("web-")]
    victim = pods[0]
    spec, typed = registry.validate("k8s.delete_pod", {"namespace": "prod", "name": victim})
    snapshot = spec.preflight(ctx, typed)
    spec.execute(ctx, typed, snapshot)
    names = [p.name for p in api.list_pods("prod") if p.owner == snapshot["owner"]]
    assert victim not in names and len(names) == snapshot["siblings"]
    assert spec.undo is not None
    assert spec.undo(ctx, typed, snapshot)["siblings"] == snapshot["siblings"]


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("k8s.rollback_deployment", {"namespace": "prod", "name": "ghost"}, "does not exist"),
        (
            "k8s.rollback_deployment",
            {"namespace": "prod", "name": "web", "revision": 99},
            "no revision 99",
        ),
        (
            "k8s.scale_deployment",
            {"namespace": "prod", "name": "web", "replicas": 2},
            "already has 2",
        ),
        ("k8s.delete_pod", {"namespace": "prod", "name": "nope"}, "does not exist"),
        ("ec2.start_instance", {"instance": "box-1"}, "not stopped"),
        ("ec2.reboot_instance", {"instance": "box-9"}, "does not exist"),
        (
            "ec2.revoke_ingress",
            {"group": "edge-sg", "port": 3389, "cidr": "0.0.0.0/0"},
            "no ingress rule",
        ),
        ("s3.block_public_access", {"bucket": "no-such-bucket"}, "does not exist"),
        ("rds.reboot_instance", {"id": "ghost-db"}, "does not exist"),
        ("lambda.set_timeout", {"name": "resizer", "seconds": 30}, "already has a 30 s"),
        (
            "ecs.scale_service",
            {"cluster": "prod", "service": "ghost", "desired": 1},
            "does not exist",
        ),
        ("asg.set_desired_capacity", {"name": "web-asg", "desired": 9}, "outside min 1..max 6"),
        ("cloudfront.invalidate", {"distribution": "E0000000000000"}, "does not exist"),
        ("iam.deactivate_access_key", {"user": "deployer", "key_id": "AKIA0000"}, "no access key"),
        ("runbook.run", {"name": "no-such-runbook", "target": "web"}, "no runbook named"),
    ],
)
def test_preflight_refuses_with_a_clear_message(
    ctx: ActionContext, action: str, params: dict[str, Any], message: str
) -> None:
    spec, typed = registry.validate(action, params)
    with pytest.raises(PreflightFailed, match=message):
        spec.preflight(ctx, typed)


def test_kubernetes_checks_read_pod_readiness(ctx: ActionContext) -> None:
    spec, typed = registry.validate("k8s.restart_deployment", {"namespace": "prod", "name": "web"})
    assert spec.verify is not None
    out = spec.verify(ctx, typed, {})
    assert out.recovered and "2/2 pods ready" in out.detail
