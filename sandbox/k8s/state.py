"""The mutable cluster behind the sandbox API server: objects, rollouts, scaling, pod logs.

A simple model of the controllers: a change to a deployment's pod template makes (or revives)
a ReplicaSet at revision max+1 and replaces the pods. New pods behave like the scenario's pods
of a revision with the same images and env (a bad image crash-loops again), or start healthy.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.errors import UserError
from sandbox.k8s import objects as o
from sandbox.k8s.controllers import Controllers
from sandbox.k8s.errors import ApiError, not_found
from sandbox.k8s.load import (
    DeploymentRecord,
    RevisionSet,
    build_deployment,
    check_section,
    pod_revision,
)
from sandbox.k8s.loglines import TimedLine, expand_logs
from sandbox.k8s.patch import PatchError, apply_patch
from sandbox.k8s.podlog import select_lines
from sandbox.k8s.views import deployment_view, replicaset_view, validate_deployment


class ClusterState(Controllers):
    """Everything the sandbox serves; callers hold ``lock`` around each request."""

    def __init__(
        self, kubernetes: Mapping[str, Any] | None, now: datetime, logs: list[dict] | None = None
    ) -> None:
        check_section(kubernetes)
        self.now = now if now.tzinfo else now.replace(tzinfo=UTC)
        self.anchor = self.now  # scenario offsets count from here, wherever the clock moves
        self.lock = threading.RLock()
        self.resource_version = 1
        self._raw_logs = list(logs or [])
        try:
            self.logs: dict[str, list[TimedLine]] = expand_logs(self._raw_logs, self.now)
            self._build(dict(kubernetes or {}))
        except (KeyError, ValueError, TypeError) as exc:
            raise UserError(f"the kubernetes section cannot be served: {exc}") from exc

    def set_now(self, now: datetime) -> None:
        """Move the sandbox clock: later log lines appear, new pods start at the new time."""
        with self.lock:
            self.now = now if now.tzinfo else now.replace(tzinfo=UTC)
            self.logs = expand_logs(self._raw_logs, self.anchor, self.now)

    def _build(self, section: dict[str, Any]) -> None:
        raw_pods = [dict(p) for p in section.get("pods") or []]
        raw_pods += _pods_named_by_logs(raw_pods, section.get("deployments") or [], self._raw_logs)
        raw_events = [dict(e) for e in section.get("events") or []]
        self.deployments: dict[tuple[str, str], DeploymentRecord] = {}
        for raw in section.get("deployments") or []:
            record = build_deployment(raw, raw_pods, raw_events, self.now)
            self.deployments[(record.namespace, record.name)] = record
        first = min(
            (rs.created for d in self.deployments.values() for rs in d.sets), default=self.now
        )
        self.nodes = {
            str(n["name"]): o.make_node(n, self.now, first) for n in section.get("nodes") or []
        }
        self.events = [o.make_event(e, self.now, i) for i, e in enumerate(raw_events)]
        self.hpas = {
            (h.get("namespace", "default"), h["name"]): o.make_hpa(h, self.now)
            for h in section.get("hpas") or []
        }
        self.pods: dict[tuple[str, str], dict[str, Any]] = {}
        self._behaviour: dict[str, list[dict[str, Any]]] = {}
        self._serial = 0
        for raw in raw_pods:
            self._load_pod(raw)
        for record in self.deployments.values():
            self._fill(record)
        self.namespaces = sorted(
            {"default", "kube-system"}
            | {ns for ns, _ in self.pods}
            | {ns for ns, _ in self.deployments}
            | {e["metadata"]["namespace"] for e in self.events}
            | {ns for ns, _ in self.hpas}
        )

    # ----------------------------------------------------------------- loading

    def _owner_ref(self, record: DeploymentRecord, rs: RevisionSet) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": f"{record.name}-{rs.hash}",
            "uid": o.uid("replicaset", record.namespace, record.name, rs.hash),
            "controller": True,
            "blockOwnerDeletion": True,
        }

    def _load_pod(self, raw: Mapping[str, Any]) -> None:
        namespace, name = str(raw.get("namespace", "default")), str(raw["name"])
        record = self.deployments.get((namespace, str(raw.get("owner"))))
        containers = list(raw.get("containers") or [])
        if record is None:
            pod = o.make_pod(
                namespace=namespace,
                name=name,
                containers=containers,
                template=None,
                phase=str(raw.get("phase", "Running")),
                node=raw.get("node"),
                created=self.now,
                now=self.now,
                labels={"app": str(raw["owner"])} if raw.get("owner") else {},
                host=raw,
            )
        else:
            rs = pod_revision(record, name)
            pod = o.make_pod(
                namespace=namespace,
                name=name,
                containers=containers,
                template=rs.template,
                phase=str(raw.get("phase", "Running")),
                node=raw.get("node"),
                created=rs.created,
                now=self.now,
                owner=self._owner_ref(record, rs),
                host=raw,
            )
        self.pods[(namespace, name)] = pod

    def _pods_of(self, record: DeploymentRecord, rs: RevisionSet | None = None) -> list[dict]:
        hashes = {rs.hash} if rs else {s.hash for s in record.sets}
        return [
            pod
            for (ns, _), pod in self.pods.items()
            if ns == record.namespace
            and pod["metadata"]["labels"].get("app") == record.name
            and pod["metadata"]["labels"].get(o.HASH_LABEL) in hashes
        ]

    # ----------------------------------------------------------------- queries

    def deployment(self, namespace: str, name: str) -> DeploymentRecord:
        record = self.deployments.get((namespace, name))
        if record is None:
            raise not_found("deployments.apps", name)
        return record

    def deployment_obj(self, record: DeploymentRecord) -> dict[str, Any]:
        return deployment_view(record, self._pods_of(record), self.resource_version, self.now)

    def replicasets(self, namespace: str | None) -> list[dict[str, Any]]:
        out = []
        for record in self.deployments.values():
            if namespace and record.namespace != namespace:
                continue
            live = record.live()
            for rs in sorted(record.sets, key=lambda s: s.revision):
                replicas = int(record.obj["spec"]["replicas"]) if rs is live else 0
                pods = self._pods_of(record, rs)
                out.append(replicaset_view(record, rs, replicas, pods))
        return out

    def pod(self, namespace: str, name: str) -> dict[str, Any]:
        pod = self.pods.get((namespace, name))
        if pod is None:
            raise not_found("pods", name)
        return pod

    def pod_log(
        self,
        namespace: str,
        name: str,
        container: str | None,
        *,
        previous: bool = False,
    ) -> list[TimedLine]:
        """The lines of the current (or previous) instance of a container, as the kubelet picks."""
        pod = self.pod(namespace, name)
        return select_lines(pod, container, self.logs, previous=previous)

    # --------------------------------------------------------------- mutations

    def patch_deployment(
        self, namespace: str, name: str, content_type: str, body: Any
    ) -> dict[str, Any]:
        record = self.deployment(namespace, name)
        current = {k: v for k, v in record.obj.items()}
        try:
            updated = apply_patch(content_type, current, body)
        except PatchError as exc:
            raise ApiError(422, "Invalid", str(exc)) from exc
        return self._update(record, updated)

    def replace_deployment(self, namespace: str, name: str, body: Any) -> dict[str, Any]:
        record = self.deployment(namespace, name)
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the body must be a Deployment object")
        return self._update(record, body)

    def _update(self, record: DeploymentRecord, updated: Any) -> dict[str, Any]:
        problem = validate_deployment(record, updated)
        if problem:
            raise ApiError(422, "Invalid", f'Deployment.apps "{record.name}" is invalid: {problem}')
        updated.pop("status", None)
        before = copy.deepcopy(record.obj)
        record.obj["metadata"]["labels"] = updated["metadata"].get("labels") or {}
        annotations = dict(updated["metadata"].get("annotations") or {})
        annotations[o.REVISION_ANNOTATION] = before["metadata"]["annotations"][
            o.REVISION_ANNOTATION
        ]
        record.obj["metadata"]["annotations"] = annotations
        record.obj["spec"] = updated["spec"]
        if record.obj["spec"] != before["spec"]:
            record.obj["metadata"]["generation"] += 1
            old_replicas = int(before["spec"]["replicas"])
            if record.obj["spec"]["template"] != before["spec"]["template"]:
                self._rollout(record)
            elif int(record.obj["spec"]["replicas"]) != old_replicas:
                self._event(
                    record,
                    f"Scaled replica set {record.name}-{record.live().hash} to "
                    f"{record.obj['spec']['replicas']} from {old_replicas}",
                )
                self._reconcile(record, record.live())
        self._bump()
        return self.deployment_obj(record)

    def scale(self, namespace: str, name: str) -> dict[str, Any]:
        record = self.deployment(namespace, name)
        return {
            "apiVersion": "autoscaling/v1",
            "kind": "Scale",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": record.obj["metadata"]["uid"],
                "resourceVersion": str(self.resource_version),
                "creationTimestamp": record.obj["metadata"]["creationTimestamp"],
            },
            "spec": {"replicas": int(record.obj["spec"]["replicas"])},
            "status": {"replicas": len(self._pods_of(record)), "selector": f"app={name}"},
        }

    def patch_scale(self, namespace: str, name: str, content_type: str | None, body: Any) -> dict:
        current = self.scale(namespace, name)
        try:
            updated = apply_patch(content_type, current, body) if content_type else body
        except PatchError as exc:
            raise ApiError(422, "Invalid", str(exc)) from exc
        replicas = (
            (updated or {}).get("spec", {}).get("replicas") if isinstance(updated, dict) else None
        )
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise ApiError(
                422,
                "Invalid",
                f'Scale.autoscaling "{name}" is invalid: spec.replicas: '
                f"Invalid value: {replicas!r}: must be greater than or equal to 0",
            )
        self.patch_deployment(
            namespace, name, "application/merge-patch+json", {"spec": {"replicas": replicas}}
        )
        return self.scale(namespace, name)

    def delete_pod(self, namespace: str, name: str) -> dict[str, Any]:
        pod = self.pod(namespace, name)
        del self.pods[(namespace, name)]
        labels = pod["metadata"]["labels"]
        record = self.deployments.get((namespace, labels.get("app", "")))
        if record is not None:
            rs = next((s for s in record.sets if s.hash == labels.get(o.HASH_LABEL)), None)
            if rs is not None:
                self._new_pod(record, rs, fresh=True)
        self._bump()
        return pod


def _pods_named_by_logs(
    raw_pods: list[dict[str, Any]],
    deployments: list[Mapping[str, Any]],
    logs: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Running pods for ``k8s:<ns>/<pod>/<container>`` log sources that no pod declares.

    A scenario may give a pod's log without listing the pod; a real cluster would have it, so
    the sandbox serves it (owned by the deployment whose name prefixes the pod's) and its log.
    """
    declared = {(str(p.get("namespace", "default")), str(p.get("name"))) for p in raw_pods}
    names = sorted(
        ((str(d.get("namespace", "default")), str(d.get("name"))) for d in deployments),
        key=lambda item: -len(item[1]),
    )
    extra: dict[tuple[str, str], dict[str, Any]] = {}
    for source in logs:
        kind, _, rest = str(source.get("source", "")).partition(":")
        parts = rest.split("/")
        if kind != "k8s" or len(parts) != 3 or not all(parts):
            continue
        namespace, pod, container = parts
        if (namespace, pod) in declared:
            continue
        owner = next((n for ns, n in names if ns == namespace and pod.startswith(n + "-")), None)
        entry = extra.setdefault(
            (namespace, pod),
            {
                "namespace": namespace,
                "name": pod,
                "owner": owner,
                "phase": "Running",
                "containers": [],
            },
        )
        if all(c["name"] != container for c in entry["containers"]):
            entry["containers"].append({"name": container, "ready": True, "restart_count": 0})
    return list(extra.values())
