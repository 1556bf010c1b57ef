"""The ``aws:`` and ``kubernetes:`` sections of a scenario (SCENARIOS.md), as strict models."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sandbox.scenario_security import AwsConfig, GuardDuty, Inspector
from sandbox.scenario_types import MetricEvent, Offset, Strict, StrMap, Text

# --------------------------------------------------------------------------- aws


class Ec2Instance(Strict):
    id_ref: str
    instance_type: str = "t3.micro"
    state: Literal["running", "stopped"] = "running"
    tags: StrMap = Field(default_factory=dict)
    security_groups: list[str] = Field(default_factory=list)


class IngressRule(Strict):
    port: int = Field(ge=0, le=65535)
    cidr: str
    protocol: Literal["tcp", "udp", "icmp", "-1"] = "tcp"


class SecurityGroup(Strict):
    name: str
    description: str | None = None
    ingress: list[IngressRule] = Field(default_factory=list)


#: AWS's bucket naming rules; a name S3 would refuse is a scenario error, not a seeding crash.
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class S3Bucket(Strict):
    name: str
    public: bool = False
    encrypted: bool = False

    @field_validator("name")
    @classmethod
    def _s3_name(cls, value: str) -> str:
        if not _BUCKET_NAME.match(value) or ".." in value:
            raise ValueError(
                "an S3 bucket name is 3-63 lowercase letters, digits, dots and hyphens, "
                "starting and ending with a letter or digit"
            )
        return value


class RdsInstance(Strict):
    id: str
    engine: str = "postgres"
    instance_class: str = "db.t3.medium"
    status: str = "available"
    max_connections: int | None = None
    # its master password kept by RDS in Secrets Manager (ManageMasterUserPassword): the
    # scenario's name for that secret (``rds!db-…``), which changes may cite; the sandbox maps
    # it to the secret's real ARN (an instance outside a cluster)
    master_user_secret: str | None = None


class LambdaFunction(Strict):
    name: str
    runtime: str = "python3.12"
    timeout: int = Field(default=3, ge=1, le=900)
    memory: int = Field(default=128, ge=128, le=10240)
    reserved_concurrency: int | None = Field(default=None, ge=0)


class EcsService(Strict):
    cluster: str
    name: str
    desired: int = Field(ge=0)
    running: int = Field(ge=0)
    task_definition_revisions: list[int] = Field(default_factory=list)


class IamUser(Strict):
    name: str
    access_key_age_days: int | None = Field(default=None, ge=0)
    mfa: bool = False
    policies: list[str] = Field(default_factory=list)


class EcsTaskDefinition(Strict):
    family: str
    revision: int = Field(ge=1)
    image: str
    # optional, v1.2: what the container serves (a load balancer's health check is compared)
    container_port: int | None = Field(default=None, ge=1, le=65535)
    health_check_path: str | None = None  # the path the container's own health check calls


class HealthCheck(Strict):
    path: str | None = "/"
    port: int | Literal["traffic-port"] = "traffic-port"
    protocol: Literal["HTTP", "HTTPS", "TCP"] = "HTTP"


class Target(Strict):
    id_ref: str | None = None  # an ec2_instances id_ref
    ip: str | None = None  # an IP target (an ECS task on awsvpc)
    port: int | None = Field(default=None, ge=1, le=65535)
    state: Literal["healthy", "unhealthy", "unused", "draining", "initial", "unavailable"] = (
        "healthy"
    )
    reason: str | None = None  # Target.Timeout, Target.ResponseCodeMismatch, …
    description: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Target:
        if (self.id_ref is None) == (self.ip is None):
            raise ValueError("a target is exactly one of id_ref (an EC2 instance) or ip")
        return self


class TargetGroup(Strict):
    name: str
    load_balancer: str | None = None
    port: int = Field(default=80, ge=1, le=65535)
    protocol: Literal["HTTP", "HTTPS", "TCP"] = "HTTP"
    health_check: HealthCheck = Field(default_factory=HealthCheck)
    ecs_service: str | None = None  # the ecs_services name whose tasks are its targets
    targets: list[Target] = Field(default_factory=list)


class StoppedContainer(Strict):
    name: str | None = None  # default: the task definition's container (the family)
    exit_code: int | None = None
    reason: str | None = None


class StoppedTask(Strict):
    cluster: str
    service: str
    revision: int | None = None  # default: the service's live revision
    at: Offset
    stop_code: str | None = None  # TaskFailedToStart | EssentialContainerExited | …
    stopped_reason: str
    containers: list[StoppedContainer] = Field(default_factory=list)
    count: int = Field(default=1, ge=1, le=50)


class AutoScalingGroup(Strict):
    name: str
    min: int = Field(ge=0)
    max: int = Field(ge=0)
    desired: int = Field(ge=0)


class CloudFrontDistribution(Strict):
    id_ref: str
    origin: str
    error_caching_min_ttl: int | None = Field(default=None, ge=0)


class AcmCertificate(Strict):
    domain: str
    not_after: Offset


class ServiceSpend(Strict):
    """One service's cost per day, served by Cost Explorer ``get_cost_and_usage`` (daily,
    grouped by SERVICE), generated like a metric (``baseline``, ``noise``, ``trend``,
    ``events``, or explicit ``values``) one sample a day from ``from`` to the day before
    ``now`` (the current day is still being billed)."""

    service: str = Field(min_length=1)
    from_: Offset = Field(default=timedelta(days=-30), alias="from")
    baseline: float = Field(default=0.0, ge=0)
    noise: float = Field(default=0.0, ge=0)
    trend: float = 0.0
    events: list[MetricEvent] = Field(default_factory=list)
    values: list[float] | None = None
    seed: int | None = None


class Aws(Strict):
    ec2_instances: list[Ec2Instance] = Field(default_factory=list)
    security_groups: list[SecurityGroup] = Field(default_factory=list)
    s3_buckets: list[S3Bucket] = Field(default_factory=list)
    rds_instances: list[RdsInstance] = Field(default_factory=list)
    lambda_functions: list[LambdaFunction] = Field(default_factory=list)
    ecs_services: list[EcsService] = Field(default_factory=list)
    iam_users: list[IamUser] = Field(default_factory=list)
    # optional, v1.1
    ecs_task_definitions: list[EcsTaskDefinition] = Field(default_factory=list)
    autoscaling_groups: list[AutoScalingGroup] = Field(default_factory=list)
    cloudfront_distributions: list[CloudFrontDistribution] = Field(default_factory=list)
    acm_certificates: list[AcmCertificate] = Field(default_factory=list)
    # optional, v1.2
    target_groups: list[TargetGroup] = Field(default_factory=list)
    ecs_stopped_tasks: list[StoppedTask] = Field(default_factory=list)
    guardduty: GuardDuty | None = None  # absent: not enabled
    inspector: Inspector | None = None  # absent: not enabled
    config: AwsConfig | None = None  # absent: not enabled
    spend: list[ServiceSpend] = Field(default_factory=list)


# --------------------------------------------------------------------------- kubernetes


class Revision(Strict):
    revision: int = Field(ge=1)
    image: str
    at: Offset
    env: StrMap = Field(default_factory=dict)


class Deployment(Strict):
    namespace: str
    name: str
    replicas: int = Field(ge=0)
    revisions: list[Revision] = Field(min_length=1)


class Waiting(Strict):
    reason: str
    message: str | None = None


class Running(Strict):
    started_at: Offset | None = None


class Terminated(Strict):
    reason: str
    exit_code: int = 0
    at: Offset | None = None
    message: str | None = None


class ContainerState(Strict):
    waiting: Waiting | None = None
    running: Running | None = None
    terminated: Terminated | None = None


class Resources(Strict):
    limits: StrMap = Field(default_factory=dict)
    requests: StrMap = Field(default_factory=dict)


class Container(Strict):
    name: str
    image: str | None = None
    ready: bool = True
    restart_count: int = Field(default=0, ge=0)
    state: ContainerState | None = None
    last_state: ContainerState | None = None
    resources: Resources | None = None
    privileged: bool = False  # securityContext.privileged (v1.1)


class Pod(Strict):
    namespace: str
    name: str
    owner: str | None = None
    phase: Literal["Pending", "Running", "Succeeded", "Failed", "Unknown"] = "Running"
    node: str | None = None
    containers: list[Container] = Field(min_length=1)
    host_pid: bool = False  # spec.hostPID (v1.1)
    host_network: bool = False  # spec.hostNetwork (v1.1)


class K8sEvent(Strict):
    namespace: str
    object: str = Field(pattern=r"^[A-Za-z]+/[^/]+$")
    type: Literal["Normal", "Warning"] = "Normal"
    reason: str
    message: str
    at: Offset
    count: int = Field(default=1, ge=1)


class Node(Strict):
    name: str
    conditions: dict[str, bool] = Field(default_factory=dict)
    # optional, v1.1: what the node has and offers pods (pods, cpu, memory as quantities)
    capacity: StrMap = Field(default_factory=dict)
    allocatable: StrMap = Field(default_factory=dict)
    unschedulable: bool = False
    labels: StrMap = Field(default_factory=dict)


class Hpa(Strict):
    namespace: str
    name: str
    target: str
    min: int = Field(ge=0)
    max: int = Field(ge=0)
    current: int = Field(ge=0)
    cpu_target: int | None = None


class Kubernetes(Strict):
    deployments: list[Deployment] = Field(default_factory=list)
    pods: list[Pod] = Field(default_factory=list)
    events: list[K8sEvent] = Field(default_factory=list)
    nodes: list[Node] = Field(default_factory=list)
    hpas: list[Hpa] = Field(default_factory=list)  # optional, v1.1


__all__ = [
    "Aws",
    "Kubernetes",
    "Text",
]
