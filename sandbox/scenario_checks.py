"""Checks across sections that a schema cannot express: unique names and valid references."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sandbox.scenario_models import Scenario

if TYPE_CHECKING:
    from sandbox.truth import Truth

Loc = tuple[str | int, ...]
Issue = tuple[Loc, str]


def _duplicates(
    items: Sequence[Any], key: Callable[[Any], object], loc: Loc, field: str, what: str
) -> list[Issue]:
    seen: set[object] = set()
    issues: list[Issue] = []
    for i, item in enumerate(items):
        value = key(item)
        if value in seen:
            issues.append(((*loc, i, field), f"duplicate {what} {value!r}"))
        seen.add(value)
    return issues


def _unique_names(s: Scenario) -> Iterable[Issue]:
    aws = s.aws
    yield from _duplicates(s.services, lambda x: x.name, ("services",), "name", "service")
    yield from _duplicates(s.metrics, lambda x: x.id, ("metrics",), "id", "metric id")
    yield from _duplicates(s.alerts, lambda x: x.id, ("alerts",), "id", "alert id")
    yield from _duplicates(s.logs, lambda x: x.source, ("logs",), "source", "log source")
    pairs: list[tuple[str, Sequence[Any], Callable[[Any], object], str]] = [
        ("ec2_instances", aws.ec2_instances, lambda x: x.id_ref, "id_ref"),
        ("security_groups", aws.security_groups, lambda x: x.name, "name"),
        ("s3_buckets", aws.s3_buckets, lambda x: x.name, "name"),
        ("rds_instances", aws.rds_instances, lambda x: x.id, "id"),
        ("lambda_functions", aws.lambda_functions, lambda x: x.name, "name"),
        ("ecs_services", aws.ecs_services, lambda x: (x.cluster, x.name), "name"),
        ("iam_users", aws.iam_users, lambda x: x.name, "name"),
        ("autoscaling_groups", aws.autoscaling_groups, lambda x: x.name, "name"),
        ("cloudfront_distributions", aws.cloudfront_distributions, lambda x: x.id_ref, "id_ref"),
        (
            "ecs_task_definitions",
            aws.ecs_task_definitions,
            lambda x: (x.family, x.revision),
            "revision",
        ),
    ]
    for section, items, key, field in pairs:
        yield from _duplicates(items, key, ("aws", section), field, section.rstrip("s"))
    ec2_refs = {e.id_ref for e in aws.ec2_instances}
    for i, dist in enumerate(aws.cloudfront_distributions):
        if dist.id_ref in ec2_refs:
            loc: Loc = ("aws", "cloudfront_distributions", i, "id_ref")
            yield loc, f"id_ref {dist.id_ref!r} is already used by an EC2 instance"
    k8s = s.kubernetes
    if k8s is not None:
        key = lambda x: (x.namespace, x.name)  # noqa: E731
        yield from _duplicates(k8s.deployments, key, ("kubernetes", "deployments"), "name", "dep")
        yield from _duplicates(k8s.pods, key, ("kubernetes", "pods"), "name", "pod")
        yield from _duplicates(k8s.nodes, lambda x: x.name, ("kubernetes", "nodes"), "name", "node")


def _references(s: Scenario) -> Iterable[Issue]:
    services = {svc.name for svc in s.services}
    for i, svc in enumerate(s.services):
        for j, dep in enumerate(svc.depends_on):
            if dep not in services:
                yield ("services", i, "depends_on", j), f"unknown service {dep!r}"
    metrics = {m.id for m in s.metrics}
    for i, alert in enumerate(s.alerts):
        if alert.metric is not None and alert.metric not in metrics:
            yield ("alerts", i, "metric"), f"unknown metric {alert.metric!r}"
    for i, entry in enumerate(s.remediation_effects):
        for j, effect in enumerate(entry.effects):
            if effect.metric not in metrics:
                loc: Loc = ("remediation_effects", i, "effects", j, "metric")
                yield loc, f"unknown metric {effect.metric!r}"
    groups = {g.name for g in s.aws.security_groups}
    for i, inst in enumerate(s.aws.ec2_instances):
        for j, group in enumerate(inst.security_groups):
            if group not in groups:
                loc = ("aws", "ec2_instances", i, "security_groups", j)
                yield loc, f"unknown security group {group!r}"
    yield from _aws_v12_references(s)
    for i, metric in enumerate(s.metrics):
        for j, event in enumerate(metric.events):
            if event.shape == "ramp" and event.over is None:
                yield ("metrics", i, "events", j, "over"), "a ramp needs 'over'"
    for i, source in enumerate(s.logs):
        for j, line in enumerate(source.lines):
            if line.repeat > 1 and line.every is None:
                yield ("logs", i, "lines", j, "every"), "'repeat' needs 'every'"
    if s.kubernetes is not None:
        deployments = {(d.namespace, d.name) for d in s.kubernetes.deployments}
        for i, pod in enumerate(s.kubernetes.pods):
            if pod.owner is not None and (pod.namespace, pod.owner) not in deployments:
                loc = ("kubernetes", "pods", i, "owner")
                yield loc, f"unknown deployment {pod.namespace}/{pod.owner}"
        for i, deployment in enumerate(s.kubernetes.deployments):
            numbers = [r.revision for r in deployment.revisions]
            if numbers != sorted(set(numbers)):
                loc = ("kubernetes", "deployments", i, "revisions")
                yield loc, "revisions must be unique and oldest first"


def _aws_v12_references(s: Scenario) -> Iterable[Issue]:
    """Target groups name instances and ECS services; stopped tasks name ECS services."""
    aws = s.aws
    instances = {e.id_ref for e in aws.ec2_instances}
    ecs = {(e.cluster, e.name) for e in aws.ecs_services}
    yield from _duplicates(
        aws.target_groups, lambda x: x.name, ("aws", "target_groups"), "name", "target group"
    )
    for i, group in enumerate(aws.target_groups):
        if group.ecs_service is not None and group.ecs_service not in {n for _, n in ecs}:
            yield (
                ("aws", "target_groups", i, "ecs_service"),
                f"unknown ECS service {group.ecs_service!r}",
            )
        for j, target in enumerate(group.targets):
            if target.id_ref is not None and target.id_ref not in instances:
                loc: Loc = ("aws", "target_groups", i, "targets", j, "id_ref")
                yield loc, f"unknown EC2 instance {target.id_ref!r}"
    for i, task in enumerate(aws.ecs_stopped_tasks):
        if (task.cluster, task.service) not in ecs:
            loc = ("aws", "ecs_stopped_tasks", i, "service")
            yield loc, f"unknown ECS service {task.cluster}/{task.service}"


def _truth_issues(s: Scenario, truth: Truth) -> Iterable[Issue]:
    alerts = {a.id for a in s.alerts}
    services = {svc.name for svc in s.services}
    placed: set[str] = set()
    for i, incident in enumerate(truth.incidents):
        for j, alert in enumerate(incident.alerts):
            loc: Loc = ("truth", "incidents", i, "alerts", j)
            if alert not in alerts:
                yield loc, f"unknown alert id {alert!r}"
            elif alert in placed:
                yield loc, f"alert {alert!r} is in two incidents"
            placed.add(alert)
        if incident.root_alert not in incident.alerts:
            loc = ("truth", "incidents", i, "root_alert")
            yield loc, f"root_alert {incident.root_alert!r} is not one of this incident's alerts"
        if incident.root_cause and incident.root_cause.service not in services:
            loc = ("truth", "incidents", i, "root_cause", "service")
            yield loc, f"unknown service {incident.root_cause.service!r}"
    if truth.root_cause and truth.root_cause.service not in services:
        yield ("truth", "root_cause", "service"), f"unknown service {truth.root_cause.service!r}"


def semantic_issues(scenario: Scenario, truth: Truth | None) -> list[Issue]:
    issues = [*_unique_names(scenario), *_references(scenario)]
    if truth is not None:
        issues.extend(_truth_issues(scenario, truth))
    return issues
