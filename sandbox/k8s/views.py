"""Deployments and ReplicaSets as served, with status computed from the pods; patch validation."""

from __future__ import annotations

import copy
import math
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.k8s import objects as o

if TYPE_CHECKING:
    from sandbox.k8s.load import DeploymentRecord, RevisionSet


def _ready(pod: dict[str, Any]) -> bool:
    statuses = pod["status"]["containerStatuses"]
    return bool(statuses) and all(s["ready"] for s in statuses)


def _progressing(record: DeploymentRecord, complete: bool, now: datetime) -> tuple[str, str, str]:
    """``(status, reason, message)`` of the Progressing condition, deadline included."""
    live = record.live()
    rs_name = f"{record.name}-{live.hash}"
    if complete:
        return (
            "True",
            "NewReplicaSetAvailable",
            f'ReplicaSet "{rs_name}" has successfully progressed.',
        )
    deadline = int(record.obj["spec"].get("progressDeadlineSeconds") or 600)
    if now - live.created > timedelta(seconds=deadline):
        return (
            "False",
            "ProgressDeadlineExceeded",
            f'ReplicaSet "{rs_name}" has timed out progressing.',
        )
    return "True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.'


def deployment_view(
    record: DeploymentRecord, pods: list[dict[str, Any]], resource_version: int, now: datetime
) -> dict[str, Any]:
    """The deployment with ``status``: replicas and readiness from its pods, two conditions.

    A rollout whose new pods are not all ready after ``progressDeadlineSeconds`` reports
    ``Progressing=False`` with ``ProgressDeadlineExceeded``, as the deployment controller does.
    """
    obj = copy.deepcopy(record.obj)
    obj["metadata"]["resourceVersion"] = str(resource_version)
    live = record.live()
    desired = int(obj["spec"]["replicas"])
    ready = sum(1 for pod in pods if _ready(pod))
    updated = [p for p in pods if p["metadata"]["labels"].get(o.HASH_LABEL) == live.hash]
    updated_ready = sum(1 for pod in updated if _ready(pod))
    available = ready >= desired - math.floor(desired * 0.25)
    complete = len(updated) == desired == updated_ready and len(pods) == desired
    when = o.ts(live.created)
    progress, reason, message = _progressing(record, complete, now)
    obj["status"] = {
        "observedGeneration": obj["metadata"]["generation"],
        "replicas": len(pods),
        "updatedReplicas": len(updated),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "unavailableReplicas": max(0, desired - ready),
        "conditions": [
            {
                "type": "Available",
                "status": "True" if available else "False",
                "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                "message": "Deployment has minimum availability."
                if available
                else "Deployment does not have minimum availability.",
                "lastUpdateTime": when,
                "lastTransitionTime": when,
            },
            {
                "type": "Progressing",
                "status": progress,
                "reason": reason,
                "message": message,
                "lastUpdateTime": when,
                "lastTransitionTime": when,
            },
        ],
    }
    if not obj["status"]["unavailableReplicas"]:
        del obj["status"]["unavailableReplicas"]
    return obj


def replicaset_view(
    record: DeploymentRecord, rs: RevisionSet, replicas: int, pods: list[dict[str, Any]]
) -> dict[str, Any]:
    """An apps/v1 ReplicaSet carrying the revision annotation and the revision's template."""
    labels = {"app": record.name, o.HASH_LABEL: rs.hash}
    ready = sum(1 for pod in pods if _ready(pod))
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{record.name}-{rs.hash}",
            "namespace": record.namespace,
            "uid": o.uid("replicaset", record.namespace, record.name, rs.hash),
            "creationTimestamp": o.ts(rs.created),
            "labels": labels,
            "annotations": {
                o.REVISION_ANNOTATION: str(rs.revision),
                "deployment.kubernetes.io/desired-replicas": str(record.obj["spec"]["replicas"]),
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": record.name,
                    "uid": record.obj["metadata"]["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": copy.deepcopy(rs.template),
        },
        "status": {
            "replicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "fullyLabeledReplicas": len(pods),
        },
    }


def _check_containers(containers: Any) -> str | None:
    if not isinstance(containers, list) or not containers:
        return "spec.template.spec.containers: Required value"
    names = set()
    for i, container in enumerate(containers):
        where = f"spec.template.spec.containers[{i}]"
        if not isinstance(container, dict):
            return f"{where}: Invalid value: must be an object"
        if not isinstance(container.get("name"), str) or not container["name"]:
            return f"{where}.name: Required value"
        if container["name"] in names:
            return f'{where}.name: Duplicate value: "{container["name"]}"'
        names.add(container["name"])
        if not isinstance(container.get("image"), str) or not container["image"].strip():
            return f"{where}.image: Required value"
        for j, env in enumerate(container.get("env") or []):
            if not isinstance(env, dict) or not env.get("name"):
                return f"{where}.env[{j}].name: Required value"
        resources = container.get("resources") or {}
        if not isinstance(resources, dict):
            return f"{where}.resources: Invalid value: must be an object"
        for key in ("limits", "requests"):
            values = resources.get(key) or {}
            if not isinstance(values, dict):
                return f"{where}.resources.{key}: Invalid value: must be an object"
            for name, quantity in values.items():
                if not _quantity(quantity):
                    return (
                        f"{where}.resources.{key}[{name}]: Invalid value: {quantity!r}: "
                        "quantities must match the regular expression "
                        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
                    )
    return None


def _quantity(value: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value >= 0
    return isinstance(value, str) and bool(
        re.fullmatch(r"[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|M|G|T|P|E|Ei)?", value)
    )


def validate_deployment(record: DeploymentRecord, updated: Any) -> str | None:
    """Why a patched deployment is invalid (the 422 message), or None when it is fine."""
    if not isinstance(updated, dict):
        return "the object must be a JSON object"
    meta, spec = updated.get("metadata"), updated.get("spec")
    if not isinstance(meta, dict) or not isinstance(spec, dict):
        return "metadata and spec are required"
    if meta.get("name", record.name) != record.name:
        return f"metadata.name: Invalid value: {meta.get('name')!r}: field is immutable"
    replicas = spec.get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        return f"spec.replicas: Invalid value: {replicas!r}: must be greater than or equal to 0"
    if spec.get("selector") != record.obj["spec"]["selector"]:
        return "spec.selector: Invalid value: field is immutable"
    template = spec.get("template")
    if not isinstance(template, dict):
        return "spec.template: Required value"
    labels = (template.get("metadata") or {}).get("labels") or {}
    wanted = record.obj["spec"]["selector"]["matchLabels"]
    if any(labels.get(k) != v for k, v in wanted.items()):
        return (
            "spec.template.metadata.labels: Invalid value: "
            "`selector` does not match template `labels`"
        )
    return _check_containers((template.get("spec") or {}).get("containers"))
