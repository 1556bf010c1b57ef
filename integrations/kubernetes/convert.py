"""Client model objects (``V1Pod``, ``V1Deployment``, …) to the adapter's dataclasses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from integrations.kubernetes.models import (
    ContainerInfo,
    DeploymentInfo,
    EventInfo,
    HpaInfo,
    NodeInfo,
    PodInfo,
    RevisionInfo,
)

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"


def utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _strings(values: dict[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (values or {}).items()}


def revision_of(annotations: dict[str, str] | None) -> int | None:
    raw = (annotations or {}).get(REVISION_ANNOTATION)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _container(spec: Any, status: Any) -> ContainerInfo:
    resources = getattr(spec, "resources", None)
    limits = _strings(getattr(resources, "limits", None))
    requests = _strings(getattr(resources, "requests", None))
    image = getattr(spec, "image", None) or getattr(status, "image", None) or ""
    if status is None:
        return ContainerInfo(
            spec.name, image, False, 0, "unknown", limits=limits, requests=requests
        )
    state, waiting_reason, waiting_message, started = "unknown", None, None, None
    if status.state is not None:
        if status.state.running is not None:
            state, started = "running", utc(status.state.running.started_at)
        elif status.state.waiting is not None:
            state, waiting_reason = "waiting", status.state.waiting.reason
            waiting_message = status.state.waiting.message
        elif status.state.terminated is not None:
            state = "terminated"
    last = status.last_state.terminated if status.last_state is not None else None
    return ContainerInfo(
        name=status.name,
        image=image,
        ready=bool(status.ready),
        restarts=int(status.restart_count or 0),
        state=state,
        waiting_reason=waiting_reason,
        waiting_message=waiting_message,
        last_terminated_reason=last.reason if last else None,
        last_exit_code=last.exit_code if last else None,
        last_terminated_at=utc(last.finished_at) if last else None,
        started_at=started,
        limits=limits,
        requests=requests,
    )


def pod(obj: Any) -> PodInfo:
    statuses = {s.name: s for s in (obj.status.container_statuses or [])} if obj.status else {}
    owners = obj.metadata.owner_references or []
    owner = next((ref.name for ref in owners if ref.controller), owners[0].name if owners else None)
    return PodInfo(
        namespace=obj.metadata.namespace,
        name=obj.metadata.name,
        phase=(obj.status.phase if obj.status else None) or "Unknown",
        node=obj.spec.node_name if obj.spec else None,
        labels=dict(obj.metadata.labels or {}),
        owner=owner,
        created=utc(obj.metadata.creation_timestamp),
        containers=[_container(c, statuses.get(c.name)) for c in (obj.spec.containers or [])],
    )


def event(obj: Any) -> EventInfo:
    involved = obj.involved_object
    return EventInfo(
        namespace=obj.metadata.namespace or "",
        object_kind=involved.kind or "",
        object_name=involved.name or "",
        type=obj.type or "",
        reason=obj.reason or "",
        message=obj.message or "",
        count=int(obj.count or 1),
        first_seen=utc(obj.first_timestamp or obj.event_time),
        last_seen=utc(obj.last_timestamp or obj.event_time or obj.first_timestamp),
    )


def env_of(container: Any) -> dict[str, str]:
    """Literal env values; ``valueFrom`` entries show where they come from, never a secret."""
    out: dict[str, str] = {}
    for item in container.env or []:
        if item.value is not None:
            out[item.name] = item.value
        elif item.value_from is not None:
            ref = item.value_from.secret_key_ref or item.value_from.config_map_key_ref
            out[item.name] = f"<from {ref.name}/{ref.key}>" if ref else "<from reference>"
        else:
            out[item.name] = ""
    return out


def deployment(obj: Any) -> DeploymentInfo:
    containers = obj.spec.template.spec.containers or []
    status = obj.status
    return DeploymentInfo(
        namespace=obj.metadata.namespace,
        name=obj.metadata.name,
        replicas=int(obj.spec.replicas if obj.spec.replicas is not None else 1),
        ready_replicas=int((status and status.ready_replicas) or 0),
        updated_replicas=int((status and status.updated_replicas) or 0),
        available_replicas=int((status and status.available_replicas) or 0),
        current_replicas=int((status and status.replicas) or 0),
        revision=revision_of(obj.metadata.annotations),
        image=containers[0].image if containers else "",
        images={c.name: c.image for c in containers},
        env=env_of(containers[0]) if containers else {},
        selector=dict(obj.spec.selector.match_labels or {}),
        annotations=dict(obj.metadata.annotations or {}),
        conditions={c.type: c.status == "True" for c in ((status and status.conditions) or [])},
    )


def revision(obj: Any) -> RevisionInfo | None:
    number = revision_of(obj.metadata.annotations)
    if number is None:
        return None
    containers = obj.spec.template.spec.containers or [] if obj.spec.template else []
    return RevisionInfo(
        revision=number,
        replicaset=obj.metadata.name,
        image=containers[0].image if containers else "",
        images={c.name: c.image for c in containers},
        env=env_of(containers[0]) if containers else {},
        created=utc(obj.metadata.creation_timestamp),
        replicas=int(obj.spec.replicas or 0),
    )


def node(obj: Any) -> NodeInfo:
    conditions = {c.type: c.status == "True" for c in (obj.status.conditions or [])}
    return NodeInfo(
        name=obj.metadata.name,
        ready=conditions.get("Ready", False),
        conditions=conditions,
        unschedulable=bool(obj.spec and obj.spec.unschedulable),
        labels=dict(obj.metadata.labels or {}),
        allocatable={str(k): str(v) for k, v in (obj.status.allocatable or {}).items()},
    )


def hpa(obj: Any) -> HpaInfo:
    spec, status = obj.spec, obj.status
    return HpaInfo(
        namespace=obj.metadata.namespace,
        name=obj.metadata.name,
        target_kind=spec.scale_target_ref.kind,
        target=spec.scale_target_ref.name,
        min_replicas=int(spec.min_replicas or 1),
        max_replicas=int(spec.max_replicas),
        current_replicas=int((status and status.current_replicas) or 0),
        desired_replicas=int((status and status.desired_replicas) or 0),
        cpu_target=spec.target_cpu_utilization_percentage,
        cpu_current=status.current_cpu_utilization_percentage if status else None,
    )


def label_selector(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
