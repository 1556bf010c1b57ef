"""Typed results of the Kubernetes adapter, and its errors (no client types leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class K8sError(Exception):
    """The API server refused or failed a request; ``status`` is its HTTP code (0: no answer)."""

    def __init__(self, message: str, *, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason


class K8sNotFound(K8sError):
    """The named object (namespace, pod, deployment, revision, container) does not exist."""


class K8sInvalid(K8sError):
    """The request was rejected as invalid (HTTP 400/422), e.g. a bad patch or parameter."""


class K8sUnavailable(K8sError):
    """The API server did not answer, or answered 401/403/5xx."""


@dataclass(frozen=True, slots=True)
class ContainerInfo:
    """One container of a pod: spec and status together."""

    name: str
    image: str
    ready: bool
    restarts: int
    state: str  # running | waiting | terminated | unknown
    waiting_reason: str | None = None
    waiting_message: str | None = None
    last_terminated_reason: str | None = None
    last_exit_code: int | None = None
    last_terminated_at: datetime | None = None
    started_at: datetime | None = None
    limits: dict[str, str] = field(default_factory=dict)
    requests: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PodInfo:
    namespace: str
    name: str
    phase: str
    node: str | None
    labels: dict[str, str]
    owner: str | None  # the controller's name (a ReplicaSet for deployment pods)
    created: datetime | None
    containers: list[ContainerInfo]

    @property
    def ready(self) -> bool:
        return bool(self.containers) and all(c.ready for c in self.containers)

    @property
    def restarts(self) -> int:
        return sum(c.restarts for c in self.containers)


@dataclass(frozen=True, slots=True)
class EventInfo:
    namespace: str
    object_kind: str
    object_name: str
    type: str
    reason: str
    message: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass(frozen=True, slots=True)
class DeploymentInfo:
    namespace: str
    name: str
    replicas: int  # desired
    ready_replicas: int
    updated_replicas: int
    available_replicas: int
    current_replicas: int  # pods that exist, old and new
    revision: int | None
    image: str  # of the first container
    images: dict[str, str]  # container name -> image
    env: dict[str, str]  # of the first container, literal values only
    selector: dict[str, str]
    annotations: dict[str, str]
    conditions: dict[str, bool]  # Available, Progressing, ...


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    """One rollout revision of a deployment, read from its ReplicaSet."""

    revision: int
    replicaset: str
    image: str
    images: dict[str, str]
    env: dict[str, str]
    created: datetime | None
    replicas: int


@dataclass(frozen=True, slots=True)
class RolloutResult:
    """What a write did: the revision before and after (equal when nothing changed)."""

    namespace: str
    name: str
    from_revision: int | None
    to_revision: int | None
    changed: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class NodeInfo:
    name: str
    ready: bool
    conditions: dict[str, bool]
    unschedulable: bool
    labels: dict[str, str]
    # what the node offers pods (``status.allocatable``): pods, cpu, memory as quantities
    allocatable: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HpaInfo:
    namespace: str
    name: str
    target_kind: str
    target: str
    min_replicas: int
    max_replicas: int
    current_replicas: int
    desired_replicas: int
    cpu_target: int | None
    cpu_current: int | None

    @property
    def at_max(self) -> bool:
        return self.current_replicas >= self.max_replicas
