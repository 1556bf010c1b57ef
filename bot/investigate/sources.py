"""What the diagnostic primitives read, as one narrow protocol with plain typed records.

``Evidence`` is the port; ``sources_live.LiveEvidence`` implements it over the integrations
(boto3 clients, the Kubernetes ApiClient, the log router). Primitives only see this protocol,
so the same analysis runs against production, the sandbox world and unit-test fixtures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.investigate.reachability import NetworkView, Verdict
from bot.investigate.sources_health import StoppedTaskRecord, TargetGroupRecord


@dataclass(frozen=True)
class MetricRef:
    """A metric series the bot knows about, attributed to a service (the service catalogue)."""

    namespace: str
    name: str
    dimensions: dict[str, str]
    stat: str = "Average"
    unit: str = "None"
    service: str | None = None
    period_s: int = 60
    key: str = ""  # a stable id (the scenario's metric id in the sandbox)


@dataclass(frozen=True)
class SeriesData:
    ref: MetricRef
    timestamps: list[datetime]
    values: list[float]


@dataclass(frozen=True)
class ChangeRecord:
    at: datetime
    kind: str  # deployment | config | scaling | iam | infra | feature_flag
    service: str | None
    source: str
    version: str | None = None
    previous: str | None = None
    actor: str | None = None
    event_name: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ContainerRecord:
    name: str
    ready: bool
    restart_count: int
    waiting_reason: str | None = None
    terminated_reason: str | None = None  # current state terminated
    last_terminated_reason: str | None = None
    last_exit_code: int | None = None
    last_terminated_at: datetime | None = None
    memory_limit: str | None = None
    image: str | None = None
    waiting_message: str | None = None  # e.g. 'secret "db-creds" not found'


@dataclass(frozen=True)
class PodRecord:
    namespace: str
    name: str
    owner: str | None
    phase: str
    node: str | None
    containers: list[ContainerRecord]


@dataclass(frozen=True)
class NodeRecord:
    """A node as the API server shows it, with how many pods are placed on it."""

    name: str
    ready: bool
    pressures: tuple[str, ...]  # conditions that are True besides Ready (DiskPressure…)
    unschedulable: bool
    pods: int  # pods placed on it that are not finished
    allocatable_pods: int | None
    allocatable_cpu: str | None
    allocatable_memory: str | None


@dataclass(frozen=True)
class EventRecord:
    namespace: str
    kind: str
    name: str
    type: str
    reason: str
    message: str
    count: int
    at: datetime | None


@dataclass(frozen=True)
class RevisionRecord:
    revision: int
    image: str
    env: dict[str, str]
    at: datetime | None


@dataclass(frozen=True)
class PastAlert:
    """An alert received earlier (firing or resolved): what it said about which service."""

    service: str
    name: str
    summary: str
    severity: str
    status: str
    at: datetime | None


@dataclass(frozen=True)
class LogRecord:
    at: datetime | None
    level: str | None
    text: str
    source: str


@dataclass(frozen=True)
class Ec2Record:
    ref: str  # the id_ref / Name the scenario and actions use
    instance_id: str
    state: str
    instance_type: str
    security_groups: list[str]
    tags: dict[str, str]


@dataclass(frozen=True)
class IngressRecord:
    group: str
    port: int
    cidr: str
    protocol: str = "tcp"


@dataclass(frozen=True)
class BucketRecord:
    name: str
    public: bool
    encrypted: bool


@dataclass(frozen=True)
class RdsRecord:
    id: str
    engine: str
    instance_class: str
    status: str
    max_connections: int | None = None  # its parameter group's, when set to a number


@dataclass(frozen=True)
class LambdaRecord:
    name: str
    runtime: str
    timeout_s: int
    memory_mb: int
    reserved_concurrency: int | None


@dataclass(frozen=True)
class EcsServiceRecord:
    cluster: str
    name: str
    desired: int
    running: int
    pending: int
    task_definition: str | None  # family:revision live
    revisions: list[int]


@dataclass(frozen=True)
class IamUserRecord:
    name: str
    access_key_age_days: int | None
    mfa: bool
    policies: list[str]


@dataclass(frozen=True)
class AsgRecord:
    name: str
    min: int
    max: int
    desired: int


@dataclass(frozen=True)
class CertRecord:
    domain: str
    not_after: datetime


class Evidence(Protocol):
    """Read-only access to everything an investigation looks at."""

    def now(self) -> datetime: ...
    def unavailable(self, family: str) -> str | None:
        """Why reads of a primitive family (``k8s``, ``logs``…) cannot run here (None: they
        can), so a step is shown as skipped, not as "looked and found nothing"."""
        ...

    def metric_catalog(self) -> list[MetricRef]: ...
    def read_metric(self, ref: MetricRef, start: datetime, end: datetime) -> SeriesData: ...
    def changes(self, start: datetime, end: datetime) -> list[ChangeRecord]: ...
    def pods(self, namespace: str, owner: str | None = None) -> list[PodRecord]: ...
    def k8s_events(self, namespace: str) -> list[EventRecord]: ...
    def deployment_revisions(self, namespace: str, name: str) -> list[RevisionRecord]: ...
    def deployment_replicas(self, namespace: str, name: str) -> int | None: ...
    def log_sources(self) -> list[str]: ...
    def read_logs(
        self, source: str, start: datetime, end: datetime, *, previous: bool = False
    ) -> list[LogRecord]: ...
    def ec2_instances(self) -> list[Ec2Record]: ...
    def security_group_ingress(self) -> list[IngressRecord]: ...
    def buckets(self) -> list[BucketRecord]: ...
    def rds_instances(self) -> list[RdsRecord]: ...
    def lambda_functions(self) -> list[LambdaRecord]: ...
    def ecs_services(self) -> list[EcsServiceRecord]: ...
    def iam_users(self) -> list[IamUserRecord]: ...
    def autoscaling_groups(self) -> list[AsgRecord]: ...
    def certificates(self) -> list[CertRecord]: ...
    def nodes(self, names: Sequence[str]) -> list[NodeRecord]:
        """The named nodes (``[]``: every node), with their conditions, allocatable pods, cpu
        and memory, and the pods placed on each."""
        ...

    def target_groups(self) -> list[TargetGroupRecord]:
        """Load balancer target groups with their targets' health and what serves them."""
        ...

    def stopped_tasks(self) -> list[StoppedTaskRecord]:
        """Recently stopped tasks of the ECS services in the graph."""
        ...

    def network(self) -> NetworkView:
        """The VPC as describe_* calls show it (endpoints, subnets, routes, ACLs, groups)."""
        ...

    def analyze_path(self, source: str, destination: str, port: int) -> Verdict | None:
        """AWS Reachability Analyzer's verdict, or None where it is not available."""
        ...
