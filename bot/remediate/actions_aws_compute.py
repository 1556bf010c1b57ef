"""AWS actions on RDS, Lambda, ECS and Auto Scaling.

Risk levels (why):
- ``rds.reboot_instance`` HIGH: the database is down for the reboot; every dependent sees errors.
- ``rds.modify_parameter`` HIGH: engine configuration of a shared database.
- ``lambda.set_timeout`` LOW: one function's limit, trivially reverted.
- ``lambda.set_memory`` MEDIUM: too little memory fails invocations (out of memory) and slows
  CPU-bound ones (CPU follows memory); the previous size is the undo. The cost audit's fix for
  over-provisioned memory.
- ``lambda.set_reserved_concurrency`` MEDIUM: too low throttles the function, too high can
  starve the account's other functions.
- ``ecs.rollback_service`` MEDIUM: replaces every task with a definition that ran before.
- ``ecs.scale_service`` / ``asg.set_desired_capacity`` MEDIUM: capacity up costs money and load
  on dependencies; down removes capacity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from bot.remediate import checks_aws as checks
from bot.remediate.action_helpers import aws, preflight
from bot.remediate.enums import Risk
from bot.remediate.models import (
    ActionContext,
    ActionSpec,
    Params,
    PreflightFailed,
    Snapshot,
)
from integrations.aws import ecs, lambda_, rds
from integrations.aws import writes_compute as wc
from integrations.aws import writes_data as wd

_REBOOTABLE = {"available", "incompatible-parameters", "storage-optimization", "failed"}


class DbInstance(Params):
    id: str = Field(min_length=1)


class DbParameter(Params):
    id: str | None = Field(default=None, description="DB instance (its custom parameter group)")
    group: str | None = Field(default=None, description="or the parameter group itself")
    name: str = Field(min_length=1)
    value: str
    apply_method: Literal["immediate", "pending-reboot"] = "pending-reboot"

    @model_validator(mode="after")
    def _one_target(self) -> DbParameter:
        if (self.id is None) == (self.group is None):
            raise ValueError("give exactly one of id (DB instance) or group (parameter group)")
        return self


class LambdaTimeout(Params):
    name: str = Field(min_length=1)
    seconds: int = Field(ge=1, le=900)


class LambdaMemory(Params):
    name: str = Field(min_length=1)
    memory_mb: int = Field(ge=128, le=10240)


class LambdaConcurrency(Params):
    name: str = Field(min_length=1)
    concurrency: int = Field(ge=0, le=10000)


class EcsRollback(Params):
    cluster: str = Field(min_length=1)
    service: str = Field(min_length=1)
    task_definition_revision: int | None = Field(default=None, ge=1)


class EcsScale(Params):
    cluster: str = Field(min_length=1)
    service: str = Field(min_length=1)
    desired: int = Field(ge=0, le=1000)


class AsgCapacity(Params):
    name: str = Field(min_length=1)
    desired: int = Field(ge=0, le=10000)
    # a group at its maximum cannot grow: ``max`` raises the maximum in the same call
    max: int | None = Field(default=None, ge=1, le=10000)


# ------------------------------------------------------------------ RDS
def _db(ctx: ActionContext, ident: str) -> Snapshot:
    d = rds.describe(aws(ctx, "rds"), ident)
    return {"id": d.identifier, "status": d.status, "parameter_groups": d.parameter_groups}


@preflight
def _db_reboot_pre(ctx: ActionContext, p: DbInstance) -> Snapshot:
    before = _db(ctx, p.id)
    if before["status"] not in _REBOOTABLE:
        raise PreflightFailed(f"RDS instance {p.id} is {before['status']}; it cannot reboot now")
    return before


def _db_reboot(ctx: ActionContext, p: DbInstance, before: Snapshot) -> Snapshot:
    wd.reboot_db_instance(aws(ctx, "rds"), p.id)
    return _db(ctx, p.id)


def _db_reboot_undo(ctx: ActionContext, p: DbInstance, before: Snapshot) -> Snapshot:
    """A reboot changes no configuration: nothing to restore."""
    return {**_db(ctx, p.id), "note": "a reboot changes no configuration; nothing to restore"}


@preflight
def _param_pre(ctx: ActionContext, p: DbParameter) -> Snapshot:
    group = p.group
    if p.id is not None:
        groups = _db(ctx, p.id)["parameter_groups"]
        custom = [g for g in groups if not g.startswith("default.")]
        if not custom:
            raise PreflightFailed(
                f"RDS instance {p.id} uses only default parameter groups {groups}, which "
                "cannot be modified; attach a custom group first"
            )
        group = custom[0]
    assert group is not None
    if group.startswith("default."):
        raise PreflightFailed(f"parameter group {group} is a default group and cannot be modified")
    current = rds.parameter(aws(ctx, "rds"), group, p.name)
    if current == p.value:
        raise PreflightFailed(f"{p.name} is already {p.value!r} in {group}")
    return {"group": group, "name": p.name, "value": current}


def _param(ctx: ActionContext, p: DbParameter, before: Snapshot) -> Snapshot:
    client = aws(ctx, "rds")
    wd.set_db_parameter(client, before["group"], p.name, p.value, p.apply_method)
    return {**before, "value": rds.parameter(client, before["group"], p.name)}


def _param_undo(ctx: ActionContext, p: DbParameter, before: Snapshot) -> Snapshot:
    client = aws(ctx, "rds")
    if before.get("value") is None:
        wd.reset_db_parameter(client, before["group"], p.name, p.apply_method)
    else:
        wd.set_db_parameter(client, before["group"], p.name, before["value"], p.apply_method)
    return {**before, "value": rds.parameter(client, before["group"], p.name)}


# ------------------------------------------------------------------ Lambda
def _fn(ctx: ActionContext, name: str) -> Snapshot:
    c = lambda_.get_config(aws(ctx, "lambda"), name)
    return {"name": c.name, "timeout": c.timeout, "reserved_concurrency": c.reserved_concurrency,
            "memory_mb": c.memory}  # fmt: skip


@dataclass(frozen=True)
class _FnSetting:
    """One setting of a Lambda function, set and put back the same way: ``key`` in the
    snapshot, the ``wanted`` value of the params, the ``write``, the refusal when it already
    holds (``already``, with {name} and {value}) and the snapshot value the undo writes back."""

    key: str
    wanted: Callable[[Any], int]
    write: Callable[[Any, str, Any], object]
    already: str
    restore: Callable[[Any], Any] = int

    def pre(self, ctx: ActionContext, p: Any) -> Snapshot:
        before = _fn(ctx, p.name)
        if before[self.key] == self.wanted(p):
            raise PreflightFailed(self.already.format(name=p.name, value=self.wanted(p)))
        return before

    def execute(self, ctx: ActionContext, p: Any, before: Snapshot) -> Snapshot:
        self.write(aws(ctx, "lambda"), p.name, self.wanted(p))
        return _fn(ctx, p.name)

    def undo(self, ctx: ActionContext, p: Any, before: Snapshot) -> Snapshot:
        self.write(aws(ctx, "lambda"), p.name, self.restore(before[self.key]))
        return _fn(ctx, p.name)


_TIMEOUT = _FnSetting(
    "timeout", lambda p: p.seconds, wc.set_lambda_timeout,
    "function {name} already has a {value} s timeout",
)  # fmt: skip
_MEMORY = _FnSetting(
    "memory_mb", lambda p: p.memory_mb, wc.set_lambda_memory,
    "function {name} already has {value} MB",
)  # fmt: skip
_CONCURRENCY = _FnSetting(
    "reserved_concurrency", lambda p: p.concurrency, wc.set_lambda_reserved_concurrency,
    "function {name} already reserves {value}", restore=lambda v: v,
)  # fmt: skip


# ------------------------------------------------------------------ ECS
def _svc(ctx: ActionContext, cluster: str, service: str) -> Snapshot:
    s = ecs.describe_service(aws(ctx, "ecs"), cluster, service)
    family = s.task_definition.rsplit("/", 1)[-1].rsplit(":", 1)[0]
    return {
        "task_definition": s.task_definition,
        "family": family,
        "revision": s.task_definition_revision,
        "desired": s.desired,
        "running": s.running,
    }


@preflight
def _ecs_rb_pre(ctx: ActionContext, p: EcsRollback) -> Snapshot:
    before = _svc(ctx, p.cluster, p.service)
    target = p.task_definition_revision or before["revision"] - 1
    if target == before["revision"]:
        raise PreflightFailed(f"{p.cluster}/{p.service} already runs revision {target}")
    if target < 1:
        raise PreflightFailed(f"{p.cluster}/{p.service} has no earlier task definition")
    td = ecs.describe_task_definition(aws(ctx, "ecs"), f"{before['family']}:{target}")
    if td.status and td.status != "ACTIVE":
        raise PreflightFailed(f"task definition {before['family']}:{target} is {td.status}")
    return {**before, "target": f"{before['family']}:{target}"}


def _ecs_rb(ctx: ActionContext, p: EcsRollback, before: Snapshot) -> Snapshot:
    wc.update_ecs_service(aws(ctx, "ecs"), p.cluster, p.service, task_definition=before["target"])
    return _svc(ctx, p.cluster, p.service)


def _ecs_rb_undo(ctx: ActionContext, p: EcsRollback, before: Snapshot) -> Snapshot:
    wc.update_ecs_service(
        aws(ctx, "ecs"), p.cluster, p.service, task_definition=before["task_definition"]
    )
    return _svc(ctx, p.cluster, p.service)


@preflight
def _ecs_scale_pre(ctx: ActionContext, p: EcsScale) -> Snapshot:
    before = _svc(ctx, p.cluster, p.service)
    if before["desired"] == p.desired:
        raise PreflightFailed(f"{p.cluster}/{p.service} already wants {p.desired} tasks")
    return before


def _ecs_scale(ctx: ActionContext, p: EcsScale, before: Snapshot) -> Snapshot:
    wc.update_ecs_service(aws(ctx, "ecs"), p.cluster, p.service, desired=p.desired)
    return _svc(ctx, p.cluster, p.service)


def _ecs_scale_undo(ctx: ActionContext, p: EcsScale, before: Snapshot) -> Snapshot:
    wc.update_ecs_service(aws(ctx, "ecs"), p.cluster, p.service, desired=int(before["desired"]))
    return _svc(ctx, p.cluster, p.service)


# ------------------------------------------------------------------ Auto Scaling
def _asg(ctx: ActionContext, name: str) -> Snapshot:
    g = wc.describe_asg(aws(ctx, "autoscaling"), name)
    return {"name": g.name, "min": g.min_size, "max": g.max_size, "desired": g.desired}


@preflight
def _asg_pre(ctx: ActionContext, p: AsgCapacity) -> Snapshot:
    before = _asg(ctx, p.name)
    if p.max is not None and p.max < before["max"]:
        raise PreflightFailed(
            f"{p.name}: max {p.max} would lower the maximum {before['max']}; only raising it "
            "is allowed here"
        )
    top = before["max"] if p.max is None else p.max
    if not before["min"] <= p.desired <= top:
        raise PreflightFailed(
            f"{p.name}: desired {p.desired} is outside min {before['min']}..max {top}"
        )
    if before["desired"] == p.desired:
        raise PreflightFailed(f"{p.name} already wants {p.desired} instances")
    return before


def _asg_set(ctx: ActionContext, p: AsgCapacity, before: Snapshot) -> Snapshot:
    if p.max is not None and p.max != before["max"]:
        wc.set_asg_capacity(aws(ctx, "autoscaling"), p.name, p.desired, p.max)
    else:
        wc.set_desired_capacity(aws(ctx, "autoscaling"), p.name, p.desired)
    return _asg(ctx, p.name)


def _asg_undo(ctx: ActionContext, p: AsgCapacity, before: Snapshot) -> Snapshot:
    if p.max is not None and p.max != before["max"]:
        wc.set_asg_capacity(
            aws(ctx, "autoscaling"), p.name, int(before["desired"]), int(before["max"])
        )
    else:
        wc.set_desired_capacity(aws(ctx, "autoscaling"), p.name, int(before["desired"]))
    return _asg(ctx, p.name)


SPECS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "rds.reboot_instance",
        DbInstance,
        Risk.HIGH,
        "reboot an RDS instance",
        _db_reboot_pre,
        _db_reboot,
        _db_reboot_undo,
        checks.rds_available,
    ),
    ActionSpec(
        "rds.modify_parameter",
        DbParameter,
        Risk.HIGH,
        "set one parameter in a DB instance's custom parameter group",
        _param_pre,
        _param,
        _param_undo,
        checks.rds_parameter_in_sync,
    ),
    ActionSpec(
        "lambda.set_timeout",
        LambdaTimeout,
        Risk.LOW,
        "set a Lambda function's timeout",
        preflight(_TIMEOUT.pre),
        _TIMEOUT.execute,
        _TIMEOUT.undo,
        checks.lambda_timeout_applied,
    ),
    ActionSpec(
        "lambda.set_memory",
        LambdaMemory,
        Risk.MEDIUM,
        "set a Lambda function's memory size",
        preflight(_MEMORY.pre),
        _MEMORY.execute,
        _MEMORY.undo,
        checks.lambda_memory_applied,
    ),
    ActionSpec(
        "lambda.set_reserved_concurrency",
        LambdaConcurrency,
        Risk.MEDIUM,
        "set a Lambda function's reserved concurrency",
        preflight(_CONCURRENCY.pre),
        _CONCURRENCY.execute,
        _CONCURRENCY.undo,
        checks.lambda_concurrency_applied,
    ),
    ActionSpec(
        "ecs.rollback_service",
        EcsRollback,
        Risk.MEDIUM,
        "point an ECS service at an earlier task definition (default: the previous)",
        _ecs_rb_pre,
        _ecs_rb,
        _ecs_rb_undo,
        checks.ecs_rollback_completed,
    ),
    ActionSpec(
        "ecs.scale_service",
        EcsScale,
        Risk.MEDIUM,
        "set an ECS service's desired count",
        _ecs_scale_pre,
        _ecs_scale,
        _ecs_scale_undo,
        checks.ecs_scale_completed,
    ),
    ActionSpec(
        "asg.set_desired_capacity",
        AsgCapacity,
        Risk.MEDIUM,
        "set an Auto Scaling group's desired capacity",
        _asg_pre,
        _asg_set,
        _asg_undo,
        checks.asg_in_service,
    ),
)
