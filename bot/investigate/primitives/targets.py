"""Load balancer target health and stopped ECS tasks: what took a service's targets out of
rotation and why its tasks stopped, each read through the signature catalogue.

``resources.target_health``: per target group, the targets that are not healthy grouped by
state and reason code (``Target.Timeout``…, matched as a reason with its description), and,
when the group is fed by an ECS service, whether the health check probes a port or a path the
live task definition's container does not serve. ``resources.ecs_stopped_tasks``: the
service's stopped tasks grouped by what explains them: the container's own reason
(``OutOfMemoryError``), the task's stopped reason (``CannotPullContainerError``,
``ResourceInitializationError``, failed ELB health checks) or the container's exit code.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import lru_cache
from typing import Any

from bot.investigate.context import InvestigationContext
from bot.investigate.finding_types import AttrValue
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Scope, minutes_ago
from bot.investigate.signature_schema import load_signatures
from bot.investigate.signatures import SignatureMatch, match_event, match_exit, match_line
from bot.investigate.sources_health import StoppedTaskRecord, TargetGroupRecord

_SERVING = {"healthy"}
_NOT_FAILING = {"initial", "draining"}  # registration / deregistration in progress


@lru_cache(maxsize=1)
def _priorities() -> dict[str, int]:
    return {s.id: s.priority for s in load_signatures()}


def _strongest(*found: SignatureMatch | None) -> SignatureMatch | None:
    """The match whose catalogue entry has the highest priority (the first on a tie)."""
    best: SignatureMatch | None = None
    for m in found:
        if m is not None and (best is None or _priorities()[m.id] > _priorities()[best.id]):
            best = m
    return best


def _owner(ctx: InvestigationContext, group: TargetGroupRecord) -> str | None:
    """The service a target group serves: the ECS service feeding it, else the service whose
    resource a target is, else the service its name or its load balancer's name carries."""
    if group.ecs_service:
        node = ctx.topology.by_resource(group.ecs_service.split("/", 1)[-1])
        if node is not None:
            return node.name
    for target in group.targets:
        node = ctx.topology.by_resource(target.target)
        if node is not None:
            return node.name
    for text in (group.name, *group.load_balancers):
        owner = ctx.topology.owner_of_text(text)
        if owner is not None:
            return owner
    return None


def _in_scope(scope: Scope, service: str | None) -> str | None:
    """``service`` when the investigation looks at it, else None."""
    if service is not None and (service in scope.services or bool(scope.hints.get("all"))):
        return service
    return None


def _check_port(group: TargetGroupRecord) -> int | None:
    if group.health_check_port.isdigit():
        return int(group.health_check_port)
    ports = {t.port for t in group.targets if t.port is not None}
    return ports.pop() if len(ports) == 1 else group.port


def _mismatch(group: TargetGroupRecord) -> tuple[str, str, str] | None:
    """(what, the check, what is served) when the health check probes what the container
    does not serve; None when it does or nothing is known of the container."""
    port = _check_port(group)
    if group.container_ports and port is not None and port not in group.container_ports:
        served = ", ".join(str(p) for p in group.container_ports)
        return "port", f"port {port}", served
    path = group.health_check_path
    if group.container_health_paths and path and path not in group.container_health_paths:
        return "path", f"path {path}", ", ".join(group.container_health_paths)
    return None


def target_health(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for group in ctx.evidence.target_groups():
        service = _in_scope(scope, _owner(ctx, group))
        if service is None:
            continue
        lb = ", ".join(group.load_balancers) or "no load balancer"
        check = f"health check {group.health_check_port}" + (
            f" {group.health_check_path}" if group.health_check_path else ""
        )
        common: dict[str, AttrValue] = {
            "target_group": group.name,
            "load_balancer": ", ".join(group.load_balancers) or None,
            "total": len(group.targets),
            "health_check_port": group.health_check_port,
            "health_check_path": group.health_check_path,
            "ecs_service": group.ecs_service,
        }
        by_state: dict[tuple[str, str | None], list[Any]] = defaultdict(list)
        for t in group.targets:
            by_state[(t.state, t.reason)].append(t)
        failing = False
        # failing states first, then registration / deregistration in progress
        ordered = sorted(by_state.items(), key=lambda kv: (kv[0][0] in _NOT_FAILING, kv[0][0]))
        for (state, reason), targets in ordered:
            if state in _SERVING:
                continue
            failing = failing or state not in _NOT_FAILING
            description = next((t.description for t in targets if t.description), "")
            sig = match_event(reason, description) if reason else None
            ports = sorted({t.port for t in targets if t.port is not None})
            out.append(
                Finding(
                    type=FindingType.TARGET_HEALTH,
                    service=service,
                    source=f"elbv2:{group.name}",
                    summary=f"{service}: {len(targets)} of {len(group.targets)} target(s) of "
                    f"target group {group.name} ({lb}) {state}"
                    + (f": {reason}" if reason else "")
                    + (f" — {description}" if description else "")
                    + f" ({check})",
                    attrs={
                        **common,
                        "state": state,
                        "reason": reason,
                        "targets": len(targets),
                        "port": ports[0] if len(ports) == 1 else None,
                        **(sig.finding_attrs() if sig else {}),
                    },
                )
            )
        if not failing:
            healthy = len(by_state.get(("healthy", None), []))
            if group.targets and healthy == len(group.targets):
                out.append(
                    Finding(
                        type=FindingType.TARGET_HEALTH,
                        service=service,
                        source=f"elbv2:{group.name}",
                        summary=f"{service}: all {healthy} target(s) of target group "
                        f"{group.name} ({lb}) are healthy",
                        attrs={**common, "state": "healthy", "targets": healthy},
                    )
                )
            continue
        wrong = _mismatch(group)
        if wrong is not None:
            what, probed, served = wrong
            out.append(
                Finding(
                    type=FindingType.TARGET_HEALTH,
                    service=service,
                    source=f"elbv2:{group.name}",
                    summary=f"{service}: target group {group.name} health-checks {probed}, but "
                    f"the task's container "
                    + ("listens on " if what == "port" else "checks itself on ")
                    + served,
                    attrs={**common, "state": "unhealthy", "mismatch": what, "listening": served},
                )
            )
    return out


def _revision(task_definition: str) -> int | None:
    rev = task_definition.rsplit(":", 1)[-1]
    return int(rev) if rev.isdigit() else None


def _explain(task: StoppedTaskRecord) -> tuple[SignatureMatch | None, Any]:
    """The signature that explains a stopped task and the container it is about."""
    culprit = next((c for c in task.containers if c.reason or (c.exit_code not in (None, 0))), None)
    by_container = by_exit = None
    if culprit is not None:
        by_container = match_line(culprit.reason) if culprit.reason else None
        by_exit = match_exit(culprit.exit_code) if culprit.exit_code is not None else None
    by_task = match_line(task.stopped_reason) if task.stopped_reason else None
    return _strongest(by_container, by_task, by_exit), culprit


def stopped_tasks(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    groups: dict[tuple[str, str], list[tuple[StoppedTaskRecord, SignatureMatch | None, Any]]] = (
        defaultdict(list)
    )
    for task in ctx.evidence.stopped_tasks():
        node = ctx.topology.by_resource(task.service)
        if node is None or _in_scope(scope, node.name) is None:
            continue
        if task.stopped_at is not None and not (scope.start <= task.stopped_at <= scope.end):
            continue
        sig, culprit = _explain(task)
        if task.stop_code == "UserInitiated" and culprit is None:
            continue  # stopped by someone (a deploy replacing tasks), no container failed
        key = sig.id if sig else (task.stopped_reason or "unknown")
        groups[(node.name, key)].append((task, sig, culprit))
    out = []
    for (service, _), items in groups.items():
        task, sig, culprit = items[0]
        latest: datetime | None = max(
            (t.stopped_at for t, _, _ in items if t.stopped_at is not None), default=None
        )
        revisions = sorted({r for t, _, _ in items if (r := _revision(t.task_definition))})
        exit_text = ""
        if culprit is not None:
            exit_text = (
                f"; container {culprit.name}"
                + (f" exit code {culprit.exit_code}" if culprit.exit_code is not None else "")
                + (f" ({culprit.reason})" if culprit.reason else "")
            )
        out.append(
            Finding(
                type=FindingType.TASK_STOPPED,
                service=service,
                source=f"ecs:{task.cluster}/{task.service}",
                summary=f"{service}: {len(items)} task(s) stopped"
                + (f" [{task.stop_code}]" if task.stop_code else "")
                + f": {task.stopped_reason or 'no reason given'}{exit_text}"
                + (f" (task definition revision {revisions[-1]})" if revisions else ""),
                attrs={
                    "cluster": task.cluster,
                    "name": task.service,
                    "stop_code": task.stop_code,
                    "stopped_reason": task.stopped_reason[:300],
                    "container": culprit.name if culprit else None,
                    "exit_code": culprit.exit_code if culprit else None,
                    "container_reason": culprit.reason if culprit else None,
                    "tasks": len(items),
                    "revision": revisions[-1] if revisions else None,
                    "minutes_ago": minutes_ago(ctx, latest),
                    **(sig.finding_attrs() if sig else {}),
                },
            )
        )
    return out


PRIMITIVES = {
    "resources.target_health": target_health,
    "resources.ecs_stopped_tasks": stopped_tasks,
}
READS = {"resources.ecs_stopped_tasks": "ecs_service"}
