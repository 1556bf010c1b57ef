"""Turn the scenario's ``kubernetes:`` section into the sandbox's initial objects.

Decides which ReplicaSet hash belongs to which revision: hashes named by ``ScalingReplicaSet``
events ("Scaled up replica set <deploy>-<hash>") go to the revision nearest in time, hashes in
"Scaled down" events to the newest older revision, remaining pod-name hashes to the live revision
first, then older ones; any revision left gets a hash computed from its template.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.errors import UserError
from sandbox.k8s.loglines import at
from sandbox.k8s.objects import (
    HASH_LABEL,
    REVISION_ANNOTATION,
    make_template,
    template_hash,
    ts,
    uid,
)


@dataclass
class RevisionSet:
    """One ReplicaSet of a deployment: a revision's template and how its pods behave."""

    hash: str
    revision: int
    template: dict[str, Any]  # carries the pod-template-hash label
    created: datetime
    behaviour: list[dict[str, Any]] | None = None  # scenario containers of a representative pod


@dataclass
class DeploymentRecord:
    namespace: str
    name: str
    obj: dict[str, Any]  # metadata + spec, as served (status is computed on read)
    sets: list[RevisionSet] = field(default_factory=list)

    def live(self) -> RevisionSet:
        return max(self.sets, key=lambda rs: rs.revision)


def _pod_hash(deployment: str, pod_name: str) -> str | None:
    match = re.match(rf"^{re.escape(deployment)}-([a-z0-9]+)-[a-z0-9]+$", pod_name)
    return match.group(1) if match else None


def _event_hashes(
    deployment: str, namespace: str, events: Sequence[Mapping[str, Any]], now: datetime
):
    up: list[tuple[str, datetime]] = []
    down: list[str] = []
    pattern = re.compile(rf"replica set {re.escape(deployment)}-([a-z0-9]+)\b")
    for event in events:
        if str(event.get("namespace", "default")) != namespace:
            continue
        obj = str(event.get("object", ""))
        if obj.split("/", 1)[-1] != deployment:
            continue
        message = str(event.get("message", ""))
        match = pattern.search(message)
        if not match:
            continue
        if message.lower().startswith("scaled up"):
            up.append((match.group(1), at(now, event.get("at", 0))))
        elif message.lower().startswith("scaled down"):
            down.append(match.group(1))
    return up, down


def assign_hashes(
    deployment: Mapping[str, Any],
    pods: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    now: datetime,
) -> dict[int, str]:
    """Which pod-template-hash each scenario revision carries (see the module docstring)."""
    name, namespace = str(deployment["name"]), str(deployment.get("namespace", "default"))
    revisions = list(deployment.get("revisions") or [])
    times = {int(r["revision"]): at(now, r.get("at", 0)) for r in revisions}
    order = [int(r["revision"]) for r in revisions]
    result: dict[int, str] = {}
    used: set[str] = set()

    def give(revision: int, hash_: str) -> None:
        if revision not in result and hash_ not in used:
            result[revision] = hash_
            used.add(hash_)

    up, down = _event_hashes(name, namespace, events, now)
    for hash_, moment in up:
        free = [r for r in order if r not in result]
        if free and hash_ not in used:
            give(min(free, key=lambda r: abs((times[r] - moment).total_seconds())), hash_)
    newest_first = list(reversed(order))
    for hash_ in down:
        older = [r for r in newest_first[1:] if r not in result]
        if older:
            give(older[0], hash_)
    for pod in pods:
        hash_ = _pod_hash(name, str(pod["name"]))
        if hash_ and hash_ not in used:
            free = [r for r in newest_first if r not in result]
            if free:
                give(free[0], hash_)
    return result


def build_deployment(
    raw: Mapping[str, Any],
    pods: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    now: datetime,
) -> DeploymentRecord:
    """A deployment with one RevisionSet per scenario revision (the last one live)."""
    namespace, name = str(raw.get("namespace", "default")), str(raw["name"])
    own = [
        p
        for p in pods
        if str(p.get("owner")) == name and p.get("namespace", "default") == namespace
    ]
    containers = list(own[0].get("containers") or []) if own else []
    revisions = list(raw.get("revisions") or [])
    if not revisions:
        raise ValueError(f"deployment {namespace}/{name} has no revisions")
    hashes = assign_hashes(raw, own, events, now)
    sets: list[RevisionSet] = []
    for revision in revisions:
        number = int(revision["revision"])
        template = make_template(name, revision, containers)
        hash_ = hashes.get(number) or template_hash(template)
        template["metadata"]["labels"][HASH_LABEL] = hash_
        behaviour = next(
            (list(p.get("containers") or []) for p in own if _pod_hash(name, p["name"]) == hash_),
            None,
        )
        sets.append(RevisionSet(hash_, number, template, at(now, revision.get("at", 0)), behaviour))
    live = max(sets, key=lambda rs: rs.revision)
    if live.behaviour is None and own and not any(_pod_hash(name, p["name"]) for p in own):
        live.behaviour = containers
    spec_template = {
        "metadata": {"labels": {"app": name}},
        "spec": live.template["spec"],
    }
    created = min(rs.created for rs in sets)
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid("deployment", namespace, name),
            "generation": 1,
            "creationTimestamp": ts(created),
            "labels": {"app": name},
            "annotations": {REVISION_ANNOTATION: str(live.revision)},
        },
        "spec": {
            "replicas": int(raw.get("replicas", 1)),
            "selector": {"matchLabels": {"app": name}},
            "template": spec_template,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
    }
    return DeploymentRecord(namespace, name, obj, sets)


def pod_revision(record: DeploymentRecord, pod_name: str) -> RevisionSet:
    """The RevisionSet a scenario pod belongs to (by its name's hash, else the live one)."""
    hash_ = _pod_hash(record.name, pod_name)
    return next((rs for rs in record.sets if rs.hash == hash_), record.live())


_REQUIRED: dict[str, tuple[str, ...]] = {
    "deployments": ("name", "revisions"),
    "pods": ("name", "containers"),
    "events": ("object",),
    "nodes": ("name",),
    "hpas": ("name",),
}


def check_section(section: Any) -> None:
    """Raise ``UserError`` naming the first missing or malformed key of a kubernetes section."""
    if section is None:
        return
    if not isinstance(section, Mapping):
        raise UserError("kubernetes: expected a mapping of deployments, pods, events, nodes, hpas")
    for kind, keys in _REQUIRED.items():
        items = section.get(kind) or []
        if not isinstance(items, list):
            raise UserError(f"kubernetes.{kind}: expected a list")
        for i, item in enumerate(items):
            where = f"kubernetes.{kind}[{i}]"
            if not isinstance(item, Mapping):
                raise UserError(f"{where}: expected a mapping")
            for key in keys:
                if item.get(key) in (None, "", []):
                    raise UserError(f"{where}: {key!r} is required")
            if kind == "deployments":
                for j, rev in enumerate(item["revisions"]):
                    if not isinstance(rev, Mapping) or "revision" not in rev or "image" not in rev:
                        raise UserError(
                            f"{where}.revisions[{j}]: 'revision' and 'image' are required"
                        )
            if kind == "pods":
                for j, container in enumerate(item["containers"]):
                    if not isinstance(container, Mapping) or not container.get("name"):
                        raise UserError(f"{where}.containers[{j}]: 'name' is required")
