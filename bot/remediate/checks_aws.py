"""Each AWS action's own check of the state it changed (``ActionSpec.verify``).

``MetricVerifier`` runs these after the incident's metrics recover, and alone when no metric
was captured at proposal time; without them such actions ended "recovered" on the strength of
the write call returning. Each check reads the resource back through the same client:

- Auto Scaling: the desired capacity is the one asked for and that many instances are InService.
- ECS: the service's PRIMARY deployment ``rolloutState`` is ``COMPLETED`` and ``runningCount``
  equals ``desiredCount``, on what the action asked for (the task definition it rolled back to,
  the desired count it set).
- Lambda: the configuration holds the new value and the last update is not InProgress/Failed.
- RDS: a rebooted instance is ``available``; a changed parameter holds its value in the group,
  and when applied immediately the instance is ``available`` with the group ``in-sync`` (a
  ``pending-reboot`` change reaches the instance only at its next reboot, so the value is what
  can be checked).
- CloudFront: the distribution's newest invalidation (the action's own) is ``Completed``.
- IAM: every key the action deactivated is ``Inactive``.
"""

from __future__ import annotations

from typing import Any

from bot.remediate.action_helpers import aws
from bot.remediate.models import ActionContext, Snapshot, VerifyOutcome
from integrations.aws import ecs, lambda_, rds
from integrations.aws import writes_compute as wc
from integrations.aws import writes_data as wd


def asg_in_service(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    g = wc.describe_asg(aws(ctx, "autoscaling"), p.name)
    ok = g.desired == p.desired and g.in_service == p.desired
    return VerifyOutcome(
        ok, f"{p.name}: {g.in_service} of {g.desired} instances InService (asked {p.desired})"
    )


def _ecs_rolled_out(s: ecs.EcsService, wrong: str | None) -> VerifyOutcome:
    state = (
        f"{s.cluster}/{s.name}: {s.running} of {s.desired} tasks running, "
        f"deployment {s.rollout_state or 'state unknown'}"
    )
    if wrong:
        return VerifyOutcome(False, f"{state}; {wrong}")
    return VerifyOutcome(s.rollout_state == "COMPLETED" and s.running == s.desired, state)


def ecs_rollback_completed(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    """The service runs the task definition rolled back to, and that rollout completed."""
    s = ecs.describe_service(aws(ctx, "ecs"), p.cluster, p.service)
    got, want = s.task_definition.rsplit("/", 1)[-1], str(before["target"])
    return _ecs_rolled_out(s, None if got == want else f"it runs {got}, not {want}")


def ecs_scale_completed(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    """The service wants the count asked for, runs that many, and its deployment completed."""
    s = ecs.describe_service(aws(ctx, "ecs"), p.cluster, p.service)
    return _ecs_rolled_out(s, None if s.desired == p.desired else f"desired is not {p.desired}")


def _lambda_applied(ctx: ActionContext, name: str, what: str, want: Any, got: Any) -> VerifyOutcome:
    status = lambda_.get_config(aws(ctx, "lambda"), name).last_update_status
    if status in ("InProgress", "Failed"):
        return VerifyOutcome(False, f"function {name}: configuration update {status}")
    return VerifyOutcome(got == want, f"function {name}: {what} is {got} (asked {want})")


def lambda_timeout_applied(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    got = lambda_.get_config(aws(ctx, "lambda"), p.name).timeout
    return _lambda_applied(ctx, p.name, "timeout", p.seconds, got)


def lambda_memory_applied(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    got = lambda_.get_config(aws(ctx, "lambda"), p.name).memory
    return _lambda_applied(ctx, p.name, "memory", p.memory_mb, got)


def lambda_concurrency_applied(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    got = lambda_.get_config(aws(ctx, "lambda"), p.name).reserved_concurrency
    return _lambda_applied(ctx, p.name, "reserved concurrency", p.concurrency, got)


def rds_available(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    status = rds.describe(aws(ctx, "rds"), p.id).status
    return VerifyOutcome(status == "available", f"RDS instance {p.id} is {status}")


def rds_parameter_in_sync(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    client = aws(ctx, "rds")
    group = str(before["group"])
    value = rds.parameter(client, group, p.name)
    if value != p.value:
        return VerifyOutcome(False, f"{group}: {p.name} is {value!r}, not {p.value!r}")
    if p.id is None:  # a group named directly: the value is all there is to read
        return VerifyOutcome(True, f"{group}: {p.name} is {value!r}")
    db = rds.describe(client, p.id)
    apply = db.apply_status.get(group, "") or "?"
    state = f"{group}: {p.name} is {value!r}; {p.id} is {db.status}, parameters {apply}"
    if p.apply_method == "pending-reboot":  # the instance takes it at its next reboot
        return VerifyOutcome(True, f"{state} (applies at the next reboot)")
    return VerifyOutcome(db.status == "available" and apply == "in-sync", state)


def invalidation_completed(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    """The distribution's newest invalidation (the one the action just created) completed."""
    dist = str(before["distribution_id"])
    latest = wd.latest_invalidation(aws(ctx, "cloudfront"), dist)
    if latest is None:
        return VerifyOutcome(False, f"distribution {dist} has no invalidation")
    ident, status = latest
    return VerifyOutcome(status.lower() == "completed", f"invalidation {ident} is {status}")


def keys_inactive(ctx: ActionContext, p: Any, before: Snapshot) -> VerifyOutcome:
    keys = {k.key_id: k.status for k in wd.access_keys(aws(ctx, "iam"), p.user)}
    active = [k for k in before.get("active", []) if keys.get(k) != "Inactive"]
    if active:
        return VerifyOutcome(False, f"user {p.user}: key(s) {', '.join(active)} still active")
    return VerifyOutcome(True, f"user {p.user}: {len(before.get('active', []))} key(s) Inactive")
