"""Run an inventory query: read the type's resources, keep those every filter matches."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.errors import UpstreamUnavailable
from bot.inventory.query import InventoryQuery
from integrations.aws import inventory as aws_inventory
from integrations.aws.inventory import Resource

log = logging.getLogger(__name__)

Reader = Callable[[Any, str], list[Resource]]

#: inventory type -> (the AwsClients attribute it reads, the reader)
AWS_READERS: dict[str, tuple[str, Reader]] = {
    "ec2": ("ec2", aws_inventory.ec2_instances),
    "rds": ("rds", aws_inventory.rds_instances),
    "buckets": ("s3", aws_inventory.buckets),
    "lambdas": ("lambda_", aws_inventory.lambdas),
    "ecs": ("ecs", aws_inventory.ecs_services),
    "load_balancers": ("elbv2", aws_inventory.load_balancers),
    "security_groups": ("ec2", aws_inventory.security_groups),
    "iam_users": ("iam", aws_inventory.iam_users),
    "iam_roles": ("iam", aws_inventory.iam_roles),
}


@dataclass(frozen=True)
class InventorySources:
    """What the inventory reads: AWS clients (``AwsClients``) and a Kubernetes API, either
    may be missing."""

    aws: Any = None
    k8s: Any = None


@dataclass
class InventoryResult:
    query: InventoryQuery
    resources: list[Resource] = field(default_factory=list)
    scanned: int = 0


def _k8s_deployments(k8s: Any) -> list[Resource]:
    return [
        Resource(
            kind="deployments",
            id=f"{d.namespace}/{d.name}",
            name=d.name,
            region="cluster",
            state="ready" if d.ready_replicas >= d.replicas else "degraded",
            attrs={
                "namespace": d.namespace,
                "ready": str(d.ready_replicas),
                "desired": str(d.replicas),
                "image": d.image,
            },
        )
        for d in k8s.list_all_deployments()
    ]


def read(query: InventoryQuery, sources: InventorySources) -> list[Resource]:
    """Every resource of the query's type, unfiltered."""
    rtype = query.type
    if rtype.source == "kubernetes":
        if sources.k8s is None:
            raise UpstreamUnavailable("Kubernetes is not configured (set KUBECONFIG)")
        return _k8s_deployments(sources.k8s)
    if sources.aws is None:
        raise UpstreamUnavailable("AWS is not configured (set AWS_REGION and credentials)")
    attr, reader = AWS_READERS[rtype.type]
    return reader(getattr(sources.aws, attr), sources.aws.region)


def run(query: InventoryQuery, sources: InventorySources) -> InventoryResult:
    everything = read(query, sources)
    kept = [r for r in everything if all(f.matches(r) for f in query.filters)]
    kept.sort(key=lambda r: (r.name.lower(), r.id))
    log.info(
        "inventory query",
        extra={"query": query.describe(), "scanned": len(everything), "kept": len(kept)},
    )
    return InventoryResult(query, kept, len(everything))
