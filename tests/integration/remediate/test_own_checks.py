"""The AWS actions that used to have no check of their own now read back the state they
changed, against moto through the real clients: the check passes after the action, and fails
when the state is not what the action asked for (another writer, a stuck rollout). With no
metric captured, ``MetricVerifier`` runs the check instead of declaring success."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.remediate import checks_aws, registry
from bot.remediate.registry import ActionContext
from bot.remediate.verify import MetricVerifier
from integrations.aws import writes_compute as wc
from integrations.aws import writes_data as wd
from sandbox.aws.ecs_rollout import set_rollout
from sandbox.aws.moto_server import backend
from sandbox.remediate.context import context_for_world
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld

WORLD_FILE = Path(__file__).with_name("world_all.yaml")


@pytest.fixture(scope="module")
def ctx() -> Iterator[ActionContext]:
    with SandboxWorld(load_scenario(WORLD_FILE).scenario) as world:
        yield context_for_world(world)


def _stuck_rollout(c: ActionContext) -> None:
    """A rollout that never finishes: one task short, the PRIMARY deployment IN_PROGRESS (set on
    moto's backend: no API call makes moto's ECS do that)."""
    region = c.client("ecs").meta.region_name
    service = backend("ecs", region).services["prod:api"]
    set_rollout(service, running=int(service.desired_count) - 1, state="IN_PROGRESS")


def _key_ids(c: ActionContext) -> list[str]:
    return [k.key_id for k in wd.access_keys(c.client("iam"), "deployer")]


def _reactivate_keys(c: ActionContext) -> None:
    for key in _key_ids(c):
        wd.set_access_key_status(c.client("iam"), "deployer", key, "Active")


# (action, params, check, tamper: undo the effect behind the action's back, expected detail)
CASES: list[tuple[str, dict[str, Any], Any, Callable[[ActionContext], object], str]] = [
    (
        "asg.set_desired_capacity",
        {"name": "web-asg", "desired": 4},
        checks_aws.asg_in_service,
        lambda c: wc.set_desired_capacity(c.client("autoscaling"), "web-asg", 3),
        "InService",
    ),
    (
        "ecs.scale_service",
        {"cluster": "prod", "service": "api", "desired": 4},
        checks_aws.ecs_scale_completed,
        _stuck_rollout,
        "4 of 4 tasks running, deployment COMPLETED",
    ),
    (
        "ecs.scale_service",
        {"cluster": "prod", "service": "api", "desired": 4},
        checks_aws.ecs_scale_completed,
        lambda c: wc.update_ecs_service(c.client("ecs"), "prod", "api", desired=2),
        "4 of 4 tasks running",
    ),
    (
        "ecs.rollback_service",
        {"cluster": "prod", "service": "api"},
        checks_aws.ecs_rollback_completed,
        _stuck_rollout,
        "deployment COMPLETED",
    ),
    (
        "ecs.rollback_service",
        {"cluster": "prod", "service": "api"},
        checks_aws.ecs_rollback_completed,
        lambda c: wc.update_ecs_service(c.client("ecs"), "prod", "api", task_definition="api:7"),
        "2 of 2 tasks running",
    ),
    (
        "lambda.set_timeout",
        {"name": "resizer", "seconds": 60},
        checks_aws.lambda_timeout_applied,
        lambda c: wc.set_lambda_timeout(c.client("lambda"), "resizer", 30),
        "timeout",
    ),
    (
        "lambda.set_reserved_concurrency",
        {"name": "resizer", "concurrency": 10},
        checks_aws.lambda_concurrency_applied,
        lambda c: wc.set_lambda_reserved_concurrency(c.client("lambda"), "resizer", 5),
        "reserved concurrency",
    ),
    (
        "rds.reboot_instance",
        {"id": "main-db"},
        checks_aws.rds_available,
        lambda c: c.client("rds").stop_db_instance(DBInstanceIdentifier="main-db"),
        "main-db is",
    ),
    (
        "rds.modify_parameter",
        {"id": "main-db", "name": "max_connections", "value": "250", "apply_method": "immediate"},
        checks_aws.rds_parameter_in_sync,
        lambda c: wd.set_db_parameter(
            c.client("rds"), "main-db-params", "max_connections", "100", "immediate"
        ),
        "max_connections",
    ),
    (
        "rds.modify_parameter",
        {"id": "main-db", "name": "max_connections", "value": "300"},  # pending-reboot
        checks_aws.rds_parameter_in_sync,
        lambda c: wd.set_db_parameter(
            c.client("rds"), "main-db-params", "max_connections", "100", "pending-reboot"
        ),
        "next reboot",
    ),
    (
        "iam.deactivate_access_key",
        {"user": "deployer"},
        checks_aws.keys_inactive,
        _reactivate_keys,
        "deployer",
    ),
]


def _undo_all(ctx: ActionContext, spec: Any, typed: Any, before: Any) -> None:
    assert spec.undo is not None
    try:
        spec.undo(ctx, typed, before)
    finally:  # a tamper may have stopped the instance: bring it back for the next case
        if spec.name == "rds.reboot_instance":
            ctx.client("rds").start_db_instance(DBInstanceIdentifier="main-db")


@pytest.mark.parametrize(("action", "params", "check", "tamper", "word"), CASES)
def test_the_check_reads_back_what_the_action_changed(
    ctx: ActionContext,
    action: str,
    params: dict[str, Any],
    check: Any,
    tamper: Callable[[ActionContext], None],
    word: str,
) -> None:
    spec, typed = registry.validate(action, params)
    assert spec.verify is check
    before = spec.preflight(ctx, typed)
    spec.execute(ctx, typed, before)
    try:
        ok = spec.verify(ctx, typed, before)
        assert ok.recovered, ok.detail
        assert word in ok.detail
        tamper(ctx)
        bad = spec.verify(ctx, typed, before)
        assert not bad.recovered, bad.detail
        # with no metric captured, the verifier polls the check and does not call it recovered
        req = SimpleNamespace(result={"before": before})
        outcome = MetricVerifier()(ctx, spec, typed, req)
        assert not outcome.recovered, outcome.detail
    finally:
        _undo_all(ctx, spec, typed, before)


def test_the_ecs_checks_say_what_is_not_done(ctx: ActionContext) -> None:
    """A rollout one task short, another writer's desired count or task definition: each
    detail names what the check read."""
    scale, typed = registry.validate(
        "ecs.scale_service", {"cluster": "prod", "service": "api", "desired": 4}
    )
    before = scale.preflight(ctx, typed)
    scale.execute(ctx, typed, before)
    try:
        _stuck_rollout(ctx)
        stuck = checks_aws.ecs_scale_completed(ctx, typed, before)
        assert stuck.detail == "prod/api: 3 of 4 tasks running, deployment IN_PROGRESS"
        wc.update_ecs_service(ctx.client("ecs"), "prod", "api", desired=2)
        assert "desired is not 4" in checks_aws.ecs_scale_completed(ctx, typed, before).detail
    finally:
        _undo_all(ctx, scale, typed, before)
    rollback, typed = registry.validate(
        "ecs.rollback_service", {"cluster": "prod", "service": "api"}
    )
    before = rollback.preflight(ctx, typed)
    rollback.execute(ctx, typed, before)
    try:
        wc.update_ecs_service(ctx.client("ecs"), "prod", "api", task_definition="api:7")
        other = checks_aws.ecs_rollback_completed(ctx, typed, before)
        assert not other.recovered and "it runs api:7, not api:6" in other.detail
    finally:
        _undo_all(ctx, rollback, typed, before)


def test_cloudfront_waits_for_its_invalidation(ctx: ActionContext) -> None:
    spec, typed = registry.validate("cloudfront.invalidate", {"distribution": "www"})
    assert spec.verify is checks_aws.invalidation_completed
    before = spec.preflight(ctx, typed)
    missing = spec.verify(ctx, typed, before)  # nothing invalidated yet
    assert not missing.recovered and "no invalidation" in missing.detail
    after = spec.execute(ctx, typed, before)
    done = MetricVerifier()(ctx, spec, typed, SimpleNamespace(result={"before": before}))
    assert done.recovered, done.detail
    assert after["invalidation"] in done.detail and "completed" in done.detail.lower()


def test_every_aws_action_has_its_own_check() -> None:
    for spec in registry.all_actions():
        if spec.name.split(".")[0] in ("asg", "cloudfront", "ecs", "iam", "lambda", "rds"):
            assert spec.verify is not None, spec.name
