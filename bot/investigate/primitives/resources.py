"""AWS resource state and configured limits: EC2 state, RDS status, ECS running vs desired,
Lambda timeout and reserved concurrency against what the metrics show, ASG at max."""

from __future__ import annotations

from typing import Any

from bot.investigate.context import InvestigationContext
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Scope, fmt


def _nodes(ctx: InvestigationContext, scope: Scope, kind: str) -> dict[str, str]:
    """resource name -> service name, for the scoped services running on ``kind``."""
    return {
        n.resource: n.name for s in scope.services if (n := ctx.topology.get(s)) and n.kind == kind
    }


def _state(
    service: str,
    source: str,
    summary: str,
    *,
    resource: str,
    state: str,
    healthy: bool,
    **attrs: Any,
) -> Finding:
    """A ``resource_state`` finding: what the resource is, its state, whether that is healthy."""
    return Finding(
        type=FindingType.RESOURCE_STATE,
        service=service,
        source=source,
        summary=summary,
        attrs={"resource": resource, "state": state, "healthy": healthy, **attrs},
    )


def _limit(
    service: str,
    source: str,
    summary: str,
    *,
    limit: str,
    value: Any,
    configured: Any,
    name: str,
    suggested: int,
) -> Finding:
    """A ``limit`` finding: what was reached (``value``) against what is set (``configured``)."""
    return Finding(
        type=FindingType.LIMIT,
        service=service,
        source=source,
        summary=summary,
        attrs={
            "limit": limit,
            "value": value,
            "configured": configured,
            "name": name,
            "suggested": suggested,
        },
    )


def ec2_state(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    nodes = _nodes(ctx, scope, "ec2")
    out = []
    for inst in ctx.evidence.ec2_instances():
        service = nodes.get(inst.ref) or nodes.get(inst.tags.get("Name", ""))
        if not service:
            continue
        out.append(
            _state(
                service,
                f"ec2:{inst.ref}",
                f"{service}: EC2 instance {inst.ref} ({inst.instance_type}) is {inst.state}",
                resource="ec2",
                state=inst.state,
                healthy=inst.state == "running",
                instance=inst.ref,
                **{f"tag_{k}": v for k, v in inst.tags.items()},
            )
        )
    return out


def rds_state(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    nodes = _nodes(ctx, scope, "rds")
    out = []
    for db in ctx.evidence.rds_instances():
        service = nodes.get(db.id)
        if not service:
            continue
        out.append(
            _state(
                service,
                f"rds:{db.id}",
                f"{service}: RDS instance {db.id} ({db.engine}, {db.instance_class}) "
                f"status is {db.status}",
                resource="rds",
                state=db.status,
                healthy=db.status in ("available", "backing-up", "modifying"),
                id=db.id,
                max_connections=db.max_connections,
            )
        )
    return out


def ecs_state(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    nodes = _nodes(ctx, scope, "ecs_service")
    out = []
    for svc in ctx.evidence.ecs_services():
        service = nodes.get(svc.name)
        if not service:
            continue
        ok = svc.running >= svc.desired
        prev = svc.revisions[-2] if len(svc.revisions) >= 2 else None
        out.append(
            _state(
                service,
                f"ecs:{svc.cluster}/{svc.name}",
                f"{service}: ECS service {svc.cluster}/{svc.name} runs {svc.running} of "
                f"{svc.desired} desired task(s) on {svc.task_definition}",
                resource="ecs",
                state="healthy" if ok else "short",
                healthy=ok,
                desired=svc.desired,
                running=svc.running,
                cluster=svc.cluster,
                name=svc.name,
                previous_revision=prev,
                suggested=max(svc.desired * 2, svc.desired + 2),
            )
        )
    return out


def k8s_capacity(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    """Each scoped deployment's desired replicas and a scale-out target (twice as many)."""
    out = []
    for name in scope.services:
        node = ctx.topology.get(name)
        if not node or node.kind != "k8s_deployment" or not node.namespace:
            continue
        replicas = ctx.evidence.deployment_replicas(node.namespace, node.resource)
        if replicas is None:
            continue
        out.append(
            _state(
                name,
                f"k8s:deployment/{node.namespace}/{node.resource}",
                f"{name}: deployment {node.namespace}/{node.resource} wants {replicas} replica(s)",
                resource="k8s_deployment",
                state="configured",
                healthy=True,
                replicas=replicas,
                suggested=max(replicas * 2, replicas + 2),
            )
        )
    return out


def _recent_max(
    ctx: InvestigationContext, scope: Scope, namespace: str, name: str, dim: str, value: str
) -> float | None:
    for ref in ctx.evidence.metric_catalog():
        if ref.namespace == namespace and ref.name == name and ref.dimensions.get(dim) == value:
            series = ctx.evidence.read_metric(ref, scope.start, scope.end)
            tail = series.values[-10:]
            return max(tail) if tail else None
    return None


def lambda_limits(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    nodes = _nodes(ctx, scope, "lambda")
    out = []
    for fn in ctx.evidence.lambda_functions():
        service = nodes.get(fn.name)
        if not service:
            continue
        out.append(
            _state(
                service,
                f"lambda:{fn.name}",
                f"{service}: Lambda {fn.name} timeout {fn.timeout_s} s, memory "
                f"{fn.memory_mb} MB, reserved concurrency {fn.reserved_concurrency}",
                resource="lambda",
                state="configured",
                healthy=True,
                timeout_s=fn.timeout_s,
                reserved_concurrency=fn.reserved_concurrency,
            )
        )
        duration = _recent_max(ctx, scope, "AWS/Lambda", "Duration", "FunctionName", fn.name)
        if duration is not None and duration >= 0.95 * fn.timeout_s * 1000:
            out.append(
                _limit(
                    service,
                    "cloudwatch:AWS/Lambda/Duration",
                    f"{service}: Lambda duration {fmt(duration)} ms has reached its "
                    f"{fn.timeout_s} s timeout",
                    limit="timeout",
                    value=duration,
                    configured=fn.timeout_s,
                    name=fn.name,
                    suggested=min(900, max(fn.timeout_s * 2, 10)),
                )
            )
        conc = _recent_max(
            ctx, scope, "AWS/Lambda", "ConcurrentExecutions", "FunctionName", fn.name
        )
        throttles = _recent_max(ctx, scope, "AWS/Lambda", "Throttles", "FunctionName", fn.name)
        if fn.reserved_concurrency is not None and (
            (conc is not None and conc >= 0.9 * fn.reserved_concurrency)
            # throttled with a reservation set: the reservation is the ceiling it hit
            or (conc is None and throttles is not None and throttles >= 1.0)
        ):
            seen = (
                f"concurrency {fmt(conc)} is at"
                if conc is not None
                else f"is throttled (up to {fmt(throttles or 0.0)} per period) at"
            )
            out.append(
                _limit(
                    service,
                    "cloudwatch:AWS/Lambda/"
                    + ("ConcurrentExecutions" if conc is not None else "Throttles"),
                    f"{service}: Lambda {seen} its reserved "
                    f"concurrency of {fn.reserved_concurrency}",
                    limit="concurrency",
                    value=conc if conc is not None else fn.reserved_concurrency,
                    configured=fn.reserved_concurrency,
                    name=fn.name,
                    suggested=max(fn.reserved_concurrency * 4, 10),
                )
            )
    return out


def asg_limits(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    out = []
    for asg in ctx.evidence.autoscaling_groups():
        service = ctx.topology.owner_of_text(asg.name)
        if service not in scope.services:
            continue
        if asg.desired >= asg.max:
            out.append(
                _limit(
                    service,
                    f"autoscaling:{asg.name}",
                    f"{service}: auto scaling group {asg.name} is at its maximum "
                    f"({asg.desired}/{asg.max})",
                    limit="max_capacity",
                    value=asg.desired,
                    configured=asg.max,
                    name=asg.name,
                    suggested=asg.max * 2,
                )
            )
    return out


# the resource kind each primitive reads per scoped service: with none in scope it reads nothing
READS = {
    "resources.ec2": "ec2",
    "resources.rds": "rds",
    "resources.ecs": "ecs_service",
    "resources.lambda": "lambda",
    "resources.k8s": "k8s_deployment",
}

PRIMITIVES = {
    "resources.ec2": ec2_state,
    "resources.rds": rds_state,
    "resources.ecs": ecs_state,
    "resources.lambda": lambda_limits,
    "resources.asg": asg_limits,
    "resources.k8s": k8s_capacity,
}
