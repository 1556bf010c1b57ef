"""Static discovery documents: ``/version``, ``/api``, ``/apis`` and the resource lists."""

from __future__ import annotations

from typing import Any

PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)

VERSION: dict[str, str] = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.0-aiops-sandbox",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2024-04-17T00:00:00Z",
    "goVersion": "go1.22.2",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_GROUPS = {"apps": "v1", "autoscaling": "v1"}

API_GROUPS: dict[str, Any] = {
    "kind": "APIGroupList",
    "apiVersion": "v1",
    "groups": [
        {
            "name": name,
            "versions": [{"groupVersion": f"{name}/{version}", "version": version}],
            "preferredVersion": {"groupVersion": f"{name}/{version}", "version": version},
        }
        for name, version in _GROUPS.items()
    ],
}

_VERBS_READ = ["get", "list"]
_RESOURCES: dict[str, list[tuple[str, str, bool, list[str]]]] = {
    "v1": [
        ("namespaces", "Namespace", False, _VERBS_READ),
        ("nodes", "Node", False, _VERBS_READ),
        ("pods", "Pod", True, [*_VERBS_READ, "delete"]),
        ("pods/log", "Pod", True, ["get"]),
        ("pods/status", "Pod", True, ["get"]),
        ("events", "Event", True, _VERBS_READ),
    ],
    "apps/v1": [
        ("deployments", "Deployment", True, [*_VERBS_READ, "patch", "update"]),
        ("deployments/scale", "Scale", True, ["get", "patch", "update"]),
        ("deployments/status", "Deployment", True, ["get"]),
        ("replicasets", "ReplicaSet", True, _VERBS_READ),
    ],
    "autoscaling/v1": [
        ("horizontalpodautoscalers", "HorizontalPodAutoscaler", True, _VERBS_READ),
    ],
}


def api_versions(address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def resources(group_version: str) -> dict[str, Any] | None:
    """The APIResourceList of a group version, or None when the sandbox does not serve it."""
    entries = _RESOURCES.get(group_version)
    if entries is None:
        return None
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {
                "name": name,
                "singularName": "",
                "namespaced": namespaced,
                "kind": kind,
                "verbs": verbs,
            }
            for name, kind, namespaced, verbs in entries
        ],
    }


def namespace(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }
