"""Records of what load balancers, stopped ECS tasks and the VPC say, for the evidence port
(``bot.investigate.sources.Evidence``). Plain typed data, as the rest of ``sources``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class TargetRecord:
    target: str  # the instance's id_ref / Name, the task's address, or the id
    port: int | None
    state: str  # initial | healthy | unhealthy | unused | draining | unavailable
    reason: str | None = None  # Target.Timeout, Target.ResponseCodeMismatch, …
    description: str | None = None  # "Health checks failed with these codes: [404]"


@dataclass(frozen=True)
class TargetGroupRecord:
    name: str
    load_balancers: list[str]
    protocol: str | None
    port: int | None
    health_check_port: str  # "traffic-port" or a number
    health_check_path: str | None
    targets: list[TargetRecord]
    # what serves it, when known: the ECS service feeding it ("cluster/name"), the ports its
    # live task definition's container listens on and the paths its own health check calls
    ecs_service: str | None = None
    container_ports: list[int] = field(default_factory=list)
    container_health_paths: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ContainerExitRecord:
    name: str
    exit_code: int | None
    reason: str | None = None


@dataclass(frozen=True)
class StoppedTaskRecord:
    cluster: str
    service: str
    task_definition: str  # family:revision
    stop_code: str | None
    stopped_reason: str
    stopped_at: datetime | None
    containers: list[ContainerExitRecord] = field(default_factory=list)
