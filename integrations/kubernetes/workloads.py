"""What a pod's spec says about its security and sizing: privileged containers, host
namespaces, resource limits, images. Typed from the client's ``V1Pod``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    name: str
    image: str
    privileged: bool
    limits: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PodSpec:
    namespace: str
    name: str
    owner_kind: str | None  # the controller's kind ("ReplicaSet", "DaemonSet", …)
    owner: str | None
    host_pid: bool
    host_network: bool
    containers: list[ContainerSpec]


def pod_spec(obj: Any) -> PodSpec:
    spec = obj.spec
    owners = obj.metadata.owner_references or []
    ref = next((r for r in owners if r.controller), owners[0] if owners else None)
    containers = []
    for c in (spec.containers if spec else None) or []:
        context = c.security_context
        limits = getattr(c.resources, "limits", None) or {}
        containers.append(
            ContainerSpec(
                name=c.name,
                image=c.image or "",
                privileged=bool(context is not None and context.privileged),
                limits={str(k): str(v) for k, v in limits.items()},
            )
        )
    return PodSpec(
        namespace=obj.metadata.namespace,
        name=obj.metadata.name,
        owner_kind=ref.kind if ref else None,
        owner=ref.name if ref else None,
        host_pid=bool(spec and spec.host_pid),
        host_network=bool(spec and spec.host_network),
        containers=containers,
    )
