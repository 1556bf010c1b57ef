"""Actions that fix what the cost audit finds (``bot/posture/cost_rules.yaml`` names them).

Risk levels (why):
- ``ec2.stop_instance`` MEDIUM: whatever runs on the instance stops; its EBS volumes and
  configuration stay, so starting it again (the undo) brings it back.
- ``lambda.set_memory`` MEDIUM: too little memory fails invocations (out of memory) and slows
  CPU-bound ones (CPU follows memory); the previous size is the undo.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bot.remediate.action_helpers import aws, preflight
from bot.remediate.enums import Risk
from bot.remediate.models import (
    ActionContext,
    ActionSpec,
    Params,
    PreflightFailed,
    Snapshot,
    VerifyOutcome,
)
from integrations.aws import ec2, lambda_
from integrations.aws import writes_compute as wc


class InstanceToStop(Params):
    instance: str = Field(min_length=1, description="id_ref, instance id or Name tag")


class LambdaMemory(Params):
    name: str = Field(min_length=1)
    memory_mb: int = Field(ge=128, le=10240)


# ------------------------------------------------------------------ EC2
def _inst(ctx: ActionContext, ref: str) -> Snapshot:
    i = ec2.find_instance(aws(ctx, "ec2"), ctx.real_id(ref))
    return {"instance_id": i.instance_id, "state": i.state, "type": i.instance_type}


@preflight
def _stop_pre(ctx: ActionContext, p: InstanceToStop) -> Snapshot:
    before = _inst(ctx, p.instance)
    if before["state"] != "running":
        raise PreflightFailed(f"instance {p.instance} is {before['state']}, not running")
    return before


def _stop(ctx: ActionContext, p: InstanceToStop, before: Snapshot) -> Snapshot:
    wc.stop_instance(aws(ctx, "ec2"), before["instance_id"])
    return _inst(ctx, p.instance)


def _stop_undo(ctx: ActionContext, p: InstanceToStop, before: Snapshot) -> Snapshot:
    wc.start_instance(aws(ctx, "ec2"), before["instance_id"])
    return _inst(ctx, p.instance)


def _stopped(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    state = _inst(ctx, p.instance)["state"]
    return VerifyOutcome(state in ("stopping", "stopped"), f"instance {p.instance} is {state}")


# ------------------------------------------------------------------ Lambda
def _memory(ctx: ActionContext, name: str) -> Snapshot:
    return {"name": name, "memory_mb": lambda_.get_config(aws(ctx, "lambda"), name).memory}


@preflight
def _memory_pre(ctx: ActionContext, p: LambdaMemory) -> Snapshot:
    before = _memory(ctx, p.name)
    if before["memory_mb"] == p.memory_mb:
        raise PreflightFailed(f"function {p.name} already has {p.memory_mb} MB")
    return before


def _set_memory(ctx: ActionContext, p: LambdaMemory, before: Snapshot) -> Snapshot:
    wc.set_lambda_memory(aws(ctx, "lambda"), p.name, p.memory_mb)
    return _memory(ctx, p.name)


def _memory_undo(ctx: ActionContext, p: LambdaMemory, before: Snapshot) -> Snapshot:
    wc.set_lambda_memory(aws(ctx, "lambda"), p.name, int(before["memory_mb"]))
    return _memory(ctx, p.name)


def _memory_applied(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    got = _memory(ctx, p.name)["memory_mb"]
    return VerifyOutcome(got == p.memory_mb, f"function {p.name}: memory is {got} MB")


SPECS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "ec2.stop_instance",
        InstanceToStop,
        Risk.MEDIUM,
        "stop an EC2 instance (its volumes stay; start it to undo)",
        _stop_pre,
        _stop,
        _stop_undo,
        _stopped,
    ),
    ActionSpec(
        "lambda.set_memory",
        LambdaMemory,
        Risk.MEDIUM,
        "set a Lambda function's memory size",
        _memory_pre,
        _set_memory,
        _memory_undo,
        _memory_applied,
    ),
)
