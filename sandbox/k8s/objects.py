"""Pure builders: scenario dicts in, Kubernetes API objects (JSON-shaped dicts) out.

The shapes are what the official client's deserializer needs (see NOTES: containers need a
name, containerStatuses need name/ready/restartCount/image/imageID, Events an involvedObject).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sandbox.k8s.loglines import at, format_time

HASH_LABEL = "pod-template-hash"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
_SAFE = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet Kubernetes uses for generated names

KINDS = {
    "pod": "Pod",
    "deployment": "Deployment",
    "deploy": "Deployment",
    "replicaset": "ReplicaSet",
    "rs": "ReplicaSet",
    "node": "Node",
    "service": "Service",
    "svc": "Service",
    "statefulset": "StatefulSet",
    "daemonset": "DaemonSet",
    "job": "Job",
    "cronjob": "CronJob",
    "hpa": "HorizontalPodAutoscaler",
    "horizontalpodautoscaler": "HorizontalPodAutoscaler",
    "pvc": "PersistentVolumeClaim",
    "persistentvolumeclaim": "PersistentVolumeClaim",
    "configmap": "ConfigMap",
    "secret": "Secret",
    "namespace": "Namespace",
}
_EVENT_COMPONENT = {"Pod": "kubelet", "Deployment": "deployment-controller", "Node": "kubelet"}


def ts(moment: datetime) -> str:
    """Kubernetes timestamps: RFC 3339 seconds, ``Z``."""
    return format_time(moment)[:19] + "Z"


def digest(*parts: object, length: int = 10) -> str:
    """A deterministic name fragment in the Kubernetes safe alphabet."""
    raw = hashlib.sha256("\x00".join(map(str, parts)).encode()).digest()
    return "".join(_SAFE[b % len(_SAFE)] for b in raw[:length])


def uid(*parts: object) -> str:
    h = hashlib.sha256("\x00".join(map(str, parts)).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def template_hash(template: Mapping[str, Any]) -> str:
    """The pod-template-hash of a template (its own hash label ignored)."""
    return digest(json.dumps(strip_hash(template), sort_keys=True), length=9)


def strip_hash(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a pod template without the pod-template-hash label."""
    out = copy.deepcopy(dict(template))
    labels = (out.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return out


def quantity_map(values: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (values or {}).items()}


def make_template(
    deployment: str, revision: Mapping[str, Any], containers: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The pod template of one scenario revision: its image and env on the first container."""
    specs = []
    for index, container in enumerate(containers or [{"name": deployment}]):
        spec: dict[str, Any] = {"name": str(container["name"]), "image": str(revision["image"])}
        if index == 0 and revision.get("env"):
            spec["env"] = [{"name": str(k), "value": str(v)} for k, v in revision["env"].items()]
        resources = container.get("resources") or {}
        if resources:
            spec["resources"] = {
                key: quantity_map(resources.get(key))
                for key in ("limits", "requests")
                if resources.get(key)
            }
        specs.append(spec)
    return {"metadata": {"labels": {"app": deployment}}, "spec": {"containers": specs}}


def _state(raw: Mapping[str, Any] | None, now: datetime, cid: str, started: datetime) -> dict:
    """A container state from the scenario form ``{waiting|running|terminated: {...}}``."""
    raw = raw or {}
    if "waiting" in raw:
        waiting = raw["waiting"] or {}
        out = {"reason": waiting.get("reason", "ContainerCreating")}
        if waiting.get("message"):
            out["message"] = str(waiting["message"])
        return {"waiting": out}
    if "terminated" in raw:
        term = raw["terminated"] or {}
        finished = at(now, term.get("at", 0))
        result: dict[str, Any] = {
            "exitCode": int(term.get("exit_code", term.get("exitCode", 1))),
            "reason": term.get("reason", "Error"),
            "finishedAt": ts(finished),
            "startedAt": ts(min(started, finished)),
            "containerID": cid,
        }
        if term.get("signal") is not None:
            result["signal"] = int(term["signal"])
        if term.get("message"):
            result["message"] = str(term["message"])
        return {"terminated": result}
    running = raw.get("running") or {}
    since = at(now, running["at"]) if running.get("at") is not None else started
    return {"running": {"startedAt": ts(since)}}


def container_status(
    raw: Mapping[str, Any], image: str, now: datetime, created: datetime, pod: str
) -> dict[str, Any]:
    """One ``containerStatuses`` entry from a scenario container."""
    name = str(raw["name"])
    cid = f"containerd://{hashlib.sha256(f'{pod}/{name}'.encode()).hexdigest()}"
    last = raw.get("last_state") or {}
    restarted = None
    if "terminated" in last:
        restarted = at(now, (last["terminated"] or {}).get("at", 0))
    state = _state(raw.get("state"), now, cid, restarted or created)
    pulled = "waiting" not in state or state["waiting"]["reason"] not in (
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
    )
    status: dict[str, Any] = {
        "name": name,
        "ready": bool(raw.get("ready", "running" in state)),
        "restartCount": int(raw.get("restart_count", 0)),
        "image": image,
        "imageID": f"{image}@sha256:{hashlib.sha256(image.encode()).hexdigest()}" if pulled else "",
        "started": "running" in state,
        "state": state,
        "lastState": {},
    }
    if "waiting" not in state:
        status["containerID"] = cid
    if restarted is not None:
        prev = f"containerd://{hashlib.sha256(f'{pod}/{name}/prev'.encode()).hexdigest()}"
        status["lastState"] = _state(last, now, prev, created)
    return status


#: pod spec field -> scenario pod key
_HOST = {"hostPID": "host_pid", "hostNetwork": "host_network"}


def make_pod(
    *,
    namespace: str,
    name: str,
    containers: Sequence[Mapping[str, Any]],
    template: Mapping[str, Any] | None,
    phase: str,
    node: str | None,
    created: datetime,
    now: datetime,
    owner: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    host: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A v1 Pod. ``template`` (from the ReplicaSet) gives images, env, resources and labels;
    ``host`` the scenario pod's ``host_pid`` / ``host_network``."""
    specs = {c["name"]: c for c in ((template or {}).get("spec") or {}).get("containers", [])}
    pod_specs, statuses = [], []
    for raw in containers:
        spec = copy.deepcopy(specs.get(raw["name"]) or {"name": raw["name"], "image": "unknown"})
        if raw.get("resources") and not template:
            spec["resources"] = {k: quantity_map(v) for k, v in raw["resources"].items() if v}
        if raw.get("image"):
            spec["image"] = str(raw["image"])
        if raw.get("privileged"):
            spec["securityContext"] = {"privileged": True}
        pod_specs.append(spec)
        statuses.append(container_status(raw, spec["image"], now, created, name))
    ready = bool(statuses) and all(s["ready"] for s in statuses)
    when = ts(created)
    cond = "True" if ready else "False"
    conditions = [
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": when},
        {"type": "Initialized", "status": "True", "lastTransitionTime": when},
        {"type": "ContainersReady", "status": cond, "lastTransitionTime": when},
        {"type": "Ready", "status": cond, "lastTransitionTime": when},
    ]
    meta: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "uid": uid("pod", namespace, name),
        "creationTimestamp": when,
        "labels": dict(labels or ((template or {}).get("metadata") or {}).get("labels") or {}),
    }
    if owner:
        meta["ownerReferences"] = [dict(owner)]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            "containers": pod_specs,
            **{k: True for k, key in _HOST.items() if (host or {}).get(key)},
            "nodeName": node,
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
        },
        "status": {
            "phase": phase,
            "conditions": conditions,
            "containerStatuses": statuses,
            "startTime": when,
            "qosClass": "Burstable",
        },
    }


def make_event(raw: Mapping[str, Any], now: datetime, index: int) -> dict[str, Any]:
    """A core/v1 Event from ``{namespace, object: kind/name, type, reason, message, at, count}``."""
    obj = str(raw.get("object", ""))
    kind_word, _, obj_name = obj.partition("/")
    if not obj_name:
        kind_word, obj_name = "pod", kind_word
    kind = KINDS.get(kind_word.lower(), kind_word[:1].upper() + kind_word[1:])
    namespace = str(raw.get("namespace", "default"))
    moment = ts(at(now, raw.get("at", 0)))
    key = digest(namespace, obj, raw.get("reason"), index, length=16)
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{obj_name}.{key}",
            "namespace": namespace,
            "uid": uid("event", namespace, obj, index),
            "creationTimestamp": moment,
        },
        "involvedObject": {
            "kind": kind,
            "name": obj_name,
            "namespace": "" if kind == "Node" else namespace,
            "apiVersion": "apps/v1" if kind in ("Deployment", "ReplicaSet") else "v1",
        },
        "reason": raw.get("reason", ""),
        "message": raw.get("message", ""),
        "type": raw.get("type", "Normal"),
        "count": int(raw.get("count", 1)),
        "firstTimestamp": moment,
        "lastTimestamp": moment,
        "source": {"component": _EVENT_COMPONENT.get(kind, "")},
        "reportingComponent": _EVENT_COMPONENT.get(kind, ""),
    }


def _node_reason(kind: str, value: bool) -> str:
    if kind == "Ready":
        return "KubeletReady" if value else "KubeletNotReady"
    return f"KubeletHas{kind}" if value else f"KubeletHasNo{kind}"


def make_node(raw: Mapping[str, Any], now: datetime, created: datetime) -> dict[str, Any]:
    """A v1 Node with its conditions; ``Ready`` is True unless the scenario says otherwise."""
    given = {str(k): bool(v) for k, v in (raw.get("conditions") or {}).items()}
    given.setdefault("Ready", True)
    conditions = [
        {
            "type": kind,
            "status": "True" if value else "False",
            "reason": _node_reason(kind, value),
            "lastHeartbeatTime": ts(now),
            "lastTransitionTime": ts(created),
        }
        for kind, value in given.items()
    ]
    name = str(raw["name"])
    status: dict[str, Any] = {"conditions": conditions}
    for key in ("capacity", "allocatable"):
        if raw.get(key):
            status[key] = quantity_map(raw[key])
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": uid("node", name),
            "creationTimestamp": ts(created),
            "labels": {"kubernetes.io/hostname": name, **(raw.get("labels") or {})},
        },
        "spec": {"unschedulable": bool(raw.get("unschedulable", False))},
        "status": status,
    }


def make_hpa(raw: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """An autoscaling/v1 HorizontalPodAutoscaler."""
    namespace, name = str(raw.get("namespace", "default")), str(raw["name"])
    current = int(raw.get("current", raw.get("min", 1)))
    status: dict[str, Any] = {
        "currentReplicas": current,
        "desiredReplicas": int(raw.get("desired", current)),
    }
    if raw.get("current_cpu") is not None:
        status["currentCPUUtilizationPercentage"] = int(raw["current_cpu"])
    spec: dict[str, Any] = {
        "scaleTargetRef": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": str(raw.get("target", name)),
        },
        "minReplicas": int(raw.get("min", 1)),
        "maxReplicas": int(raw.get("max", raw.get("min", 1))),
    }
    if raw.get("cpu_target") is not None:
        spec["targetCPUUtilizationPercentage"] = int(raw["cpu_target"])
    return {
        "apiVersion": "autoscaling/v1",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid("hpa", namespace, name),
            "creationTimestamp": ts(now),
        },
        "spec": spec,
        "status": status,
    }
