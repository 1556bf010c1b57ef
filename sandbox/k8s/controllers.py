"""The controllers' part of the sandbox: ReplicaSets replace pods when a deployment changes.

New pods behave like the scenario's pods of a revision with the same images and env (a bad
image crash-loops again), or start healthy. A rollout to a healthy template replaces every
pod; one to a failing template stalls after a surge, keeping the old ready pods, as the
RollingUpdate strategy does.
"""

from __future__ import annotations

import copy
import math
from datetime import datetime
from typing import Any

from sandbox.k8s import objects as o
from sandbox.k8s.load import DeploymentRecord, RevisionSet


class Controllers:
    """Mixed into ``ClusterState``; relies on its attributes declared here."""

    now: datetime
    nodes: dict[str, dict[str, Any]]
    pods: dict[tuple[str, str], dict[str, Any]]
    events: list[dict[str, Any]]
    resource_version: int
    _serial: int

    def _owner_ref(self, record: DeploymentRecord, rs: RevisionSet) -> dict[str, Any]:
        raise NotImplementedError

    def _pods_of(self, record: DeploymentRecord, rs: RevisionSet | None = None) -> list[dict]:
        raise NotImplementedError

    def _node_for(self, index: int) -> str | None:
        """A node for a new pod: round-robin over Ready nodes, as a scheduler would spread them."""
        ready = [
            name
            for name, node in sorted(self.nodes.items())
            if any(
                c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"]
            )
        ]
        names = (
            ready
            or sorted(self.nodes)
            or sorted(
                {p["spec"]["nodeName"] for p in self.pods.values() if p["spec"].get("nodeName")}
            )
        )
        return names[index % len(names)] if names else None

    def _behaviour_for(self, record: DeploymentRecord, rs: RevisionSet) -> list[dict] | None:
        """How pods of ``rs`` behave: its own scenario pods', or those of a same-image revision."""
        if rs.behaviour is not None:
            return rs.behaviour
        key = _image_env(rs.template)
        return next(
            (
                s.behaviour
                for s in record.sets
                if s.behaviour is not None and _image_env(s.template) == key
            ),
            None,
        )

    def _new_pod(self, record: DeploymentRecord, rs: RevisionSet, fresh: bool) -> dict[str, Any]:
        """A pod the ReplicaSet creates; ``fresh`` pods start now with restarts reset."""
        self._serial += 1
        name = f"{record.name}-{rs.hash}-{o.digest(record.name, rs.hash, self._serial, length=5)}"
        behaviour = self._behaviour_for(record, rs)
        containers = [{"name": c["name"], "ready": True} for c in rs.template["spec"]["containers"]]
        if behaviour and not fresh:
            containers = copy.deepcopy(behaviour)
        elif behaviour and not all(c.get("ready", True) for c in behaviour):
            containers = []
            for c in behaviour:
                last = (c.get("last_state") or {}).get("terminated")
                item = {"name": c["name"], "ready": bool(c.get("ready", True))}
                if c.get("state"):
                    item["state"] = copy.deepcopy(c["state"])
                if last:
                    item["last_state"] = {"terminated": {**last, "at": 0}}
                    item["restart_count"] = min(int(c.get("restart_count", 0)), 1)
                containers.append(item)
        created = rs.created if not fresh else self.now
        pod = o.make_pod(
            namespace=record.namespace,
            name=name,
            containers=containers,
            template=rs.template,
            phase="Running",
            node=self._node_for(self._serial),
            created=created,
            now=self.now,
            owner=self._owner_ref(record, rs),
        )
        self.pods[(record.namespace, name)] = pod
        return pod

    def _fill(self, record: DeploymentRecord) -> None:
        """At load: add pods of the live revision until the deployment has ``replicas`` pods."""
        missing = int(record.obj["spec"]["replicas"]) - len(self._pods_of(record))
        for _ in range(max(0, missing)):
            self._new_pod(record, record.live(), fresh=False)

    # ---------------------------------------------------------------- rollouts

    def _bump(self) -> str:
        self.resource_version += 1
        return str(self.resource_version)

    def _event(self, record: DeploymentRecord, message: str) -> None:
        raw = {
            "namespace": record.namespace,
            "object": f"deployment/{record.name}",
            "type": "Normal",
            "reason": "ScalingReplicaSet",
            "message": message,
            "at": 0,
        }
        self.events.append(o.make_event(raw, self.now, len(self.events)))

    def _rollout(self, record: DeploymentRecord) -> None:
        """Bring ReplicaSets and pods in line with the deployment's template and replicas."""
        template = o.strip_hash(record.obj["spec"]["template"])
        live = record.live()
        match = next((rs for rs in record.sets if o.strip_hash(rs.template) == template), None)
        if match is None:
            new_hash = o.template_hash(template)
            labelled = copy.deepcopy(template)
            labelled.setdefault("metadata", {}).setdefault("labels", {})[o.HASH_LABEL] = new_hash
            match = RevisionSet(new_hash, live.revision + 1, labelled, self.now)
            record.sets.append(match)
        elif match is not live:
            match.revision = live.revision + 1
        if match is not live:
            record.obj["metadata"]["annotations"][o.REVISION_ANNOTATION] = str(match.revision)
            self._event(record, f"Scaled up replica set {record.name}-{match.hash}")
        self._reconcile(record, match)

    def _reconcile(self, record: DeploymentRecord, live: RevisionSet) -> None:
        replicas = int(record.obj["spec"]["replicas"])
        behaviour = self._behaviour_for(record, live)
        healthy = behaviour is None or all(c.get("ready", True) for c in behaviour)
        current = self._pods_of(record, live)
        old = [p for p in self._pods_of(record) if p not in current]
        old_ready = [p for p in old if _ready(p)]
        if healthy or not old_ready:
            target, keep = replicas, []
        else:
            target = max(len(current), math.ceil(replicas / 4), 1)
            keep = old_ready[:replicas]
        for pod in old:
            if pod not in keep:
                del self.pods[(record.namespace, pod["metadata"]["name"])]
        for pod in current[target:]:
            del self.pods[(record.namespace, pod["metadata"]["name"])]
        for _ in range(target - len(current)):
            self._new_pod(record, live, fresh=True)


def _ready(pod: dict[str, Any]) -> bool:
    statuses = pod["status"]["containerStatuses"]
    return bool(statuses) and all(s["ready"] for s in statuses)


def _image_env(template: dict[str, Any]) -> list[tuple[Any, Any]]:
    containers = (template.get("spec") or {}).get("containers") or []
    return [(c.get("image"), c.get("env")) for c in containers]
