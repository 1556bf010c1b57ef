"""ECS tasks that stopped, and what a service's tasks serve (ports, load balancers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrations.aws.errors import aws_errors

_BATCH = 100  # DescribeTasks takes at most 100 tasks


@dataclass(frozen=True)
class ContainerExit:
    name: str
    exit_code: int | None
    reason: str | None  # e.g. "OutOfMemoryError: Container killed due to memory usage"


@dataclass(frozen=True)
class StoppedTask:
    arn: str
    task_definition: str  # family:revision
    stop_code: str | None  # TaskFailedToStart | EssentialContainerExited | UserInitiated…
    stopped_reason: str
    stopped_at: datetime | None
    containers: list[ContainerExit] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceWiring:
    """What a service's live task definition listens on and which target groups it feeds."""

    target_groups: list[tuple[str, str, int]]  # (target group ARN, container, container port)
    container_ports: dict[str, list[int]]  # container -> its containerPorts
    health_commands: dict[str, str]  # container -> its own health-check command, joined


def stopped_tasks(
    client: Any, cluster: str, service: str, *, limit: int = 100
) -> list[StoppedTask]:
    """The service's tasks ECS still reports as stopped (it keeps them about an hour)."""
    with aws_errors(f"ECS tasks of {cluster}/{service}"):
        arns: list[str] = []
        for page in client.get_paginator("list_tasks").paginate(
            cluster=cluster, serviceName=service, desiredStatus="STOPPED"
        ):
            arns.extend(page.get("taskArns", []))
            if len(arns) >= limit:
                break
        raw: list[dict[str, Any]] = []
        for i in range(0, min(len(arns), limit), _BATCH):
            found = client.describe_tasks(cluster=cluster, tasks=arns[i : i + _BATCH])
            raw.extend(found.get("tasks", []))
    out = []
    for t in raw:
        if t.get("group") and t["group"] != f"service:{service}":
            continue  # not this service's task (a one-off task, another service)
        containers = [
            ContainerExit(
                name=str(c.get("name", "")),
                exit_code=int(c["exitCode"]) if c.get("exitCode") is not None else None,
                reason=c.get("reason") or None,
            )
            for c in t.get("containers", [])
        ]
        out.append(
            StoppedTask(
                arn=str(t.get("taskArn", "")),
                task_definition=str(t.get("taskDefinitionArn", "")).rsplit("/", 1)[-1],
                stop_code=t.get("stopCode") or None,
                stopped_reason=str(t.get("stoppedReason") or ""),
                stopped_at=t.get("stoppedAt"),
                containers=containers,
            )
        )
    return out


def service_wiring(client: Any, cluster: str, service: str) -> ServiceWiring:
    with aws_errors(f"ECS service {cluster}/{service}"):
        found = client.describe_services(cluster=cluster, services=[service]).get("services", [])
        if not found:
            return ServiceWiring([], {}, {})
        svc = found[0]
        definition = client.describe_task_definition(taskDefinition=svc["taskDefinition"])
    groups = [
        (str(lb["targetGroupArn"]), str(lb.get("containerName", "")), int(lb["containerPort"]))
        for lb in svc.get("loadBalancers", [])
        if lb.get("targetGroupArn") and lb.get("containerPort") is not None
    ]
    ports: dict[str, list[int]] = {}
    checks: dict[str, str] = {}
    for c in definition["taskDefinition"].get("containerDefinitions", []):
        name = str(c.get("name", ""))
        ports[name] = [
            int(m["containerPort"]) for m in c.get("portMappings", []) if m.get("containerPort")
        ]
        command = (c.get("healthCheck") or {}).get("command") or []
        if command:
            checks[name] = " ".join(str(part) for part in command)
    return ServiceWiring(groups, ports, checks)
