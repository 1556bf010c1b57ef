"""ECS services and task definitions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.aws.errors import AwsNotFound, aws_errors


@dataclass(frozen=True)
class EcsService:
    cluster: str
    name: str
    status: str
    desired: int
    running: int
    pending: int
    task_definition: str
    # the PRIMARY deployment's rolloutState (IN_PROGRESS | COMPLETED | FAILED; "" when the
    # service reports none, e.g. an external deployment controller)
    rollout_state: str = ""

    @property
    def task_definition_revision(self) -> int:
        return int(self.task_definition.rsplit(":", 1)[-1])


@dataclass(frozen=True)
class TaskDefinition:
    family: str
    revision: int
    status: str
    images: list[str]


def describe_service(client: Any, cluster: str, service: str) -> EcsService:
    with aws_errors(f"ECS service {cluster}/{service}"):
        found = client.describe_services(cluster=cluster, services=[service])
    if not found.get("services"):
        raise AwsNotFound(f"ECS service {cluster}/{service} not found")
    raw = found["services"][0]
    deployments: list[dict[str, Any]] = raw.get("deployments", [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), {})
    return EcsService(
        cluster=cluster,
        name=raw["serviceName"],
        status=raw.get("status", ""),
        desired=int(raw.get("desiredCount", 0)),
        running=int(raw.get("runningCount", 0)),
        pending=int(raw.get("pendingCount", 0)),
        task_definition=raw["taskDefinition"],
        rollout_state=str(primary.get("rolloutState", "")),
    )


def describe_task_definition(client: Any, family_revision: str) -> TaskDefinition:
    """``family:revision`` (or an ARN)."""
    with aws_errors(f"task definition {family_revision}"):
        raw = client.describe_task_definition(taskDefinition=family_revision)["taskDefinition"]
    return TaskDefinition(
        family=raw["family"],
        revision=int(raw["revision"]),
        status=raw.get("status", ""),
        images=[c.get("image", "") for c in raw.get("containerDefinitions", [])],
    )
