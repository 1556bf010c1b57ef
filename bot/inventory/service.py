"""Run an inventory query: read the type's resources, keep those every filter matches."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bot.accounts.service import Fleet, errors
from bot.errors import UpstreamUnavailable
from bot.inventory.query import InventoryQuery
from integrations.aws import inventory as aws_inventory
from integrations.aws.inventory import Resource

log = logging.getLogger(__name__)

Reader = Callable[[Any, str], list[Resource]]

#: inventory type -> (the AwsClients attribute it reads, or ALL: the clients; the reader)
ALL = "*"
AWS_READERS: dict[str, tuple[str, Reader]] = {
    "ec2": ("ec2", aws_inventory.ec2_instances),
    "rds": ("rds", aws_inventory.rds_instances),
    "buckets": (ALL, aws_inventory.buckets),  # s3, and s3control for the account's setting
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
    may be missing; with ``fleet`` (several accounts) AWS types are read in every account and
    region instead of through ``aws``."""

    aws: Any = None
    k8s: Any = None
    fleet: Fleet | None = None


@dataclass
class InventoryResult:
    query: InventoryQuery
    resources: list[Resource] = field(default_factory=list)
    scanned: int = 0
    errors: list[str] = field(default_factory=list)  # accounts / regions that could not be read
    several: bool = False  # rows come from several accounts or regions


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


def read_all(query: InventoryQuery, sources: InventorySources) -> tuple[list[Resource], list[str]]:
    """Every resource of the query's type, unfiltered, and the accounts or regions that
    could not be read (only with a fleet: one account's failure is an error line; when none
    could be read, ``UpstreamUnavailable``)."""
    rtype = query.type
    if rtype.source == "kubernetes":
        if sources.k8s is None:
            raise UpstreamUnavailable("Kubernetes is not configured (set KUBECONFIG)")
        return _k8s_deployments(sources.k8s), []
    attr, reader = AWS_READERS[rtype.type]

    def client(clients: Any) -> Any:
        return clients if attr == ALL else getattr(clients, attr)

    if sources.fleet is not None:
        outcomes = sources.fleet.run(
            lambda clients, _t, region: reader(client(clients), region), reach=rtype.reach
        )
        if outcomes and all(o.error is not None for o in outcomes):
            raise UpstreamUnavailable(f"no account could be read: {'; '.join(errors(outcomes))}")
        found = [
            replace(r, account=o.account) for o in outcomes if o.value is not None for r in o.value
        ]
        return found, errors(outcomes)
    if sources.aws is None:
        raise UpstreamUnavailable("AWS is not configured (set AWS_REGION and credentials)")
    return reader(client(sources.aws), sources.aws.region), []


def read(query: InventoryQuery, sources: InventorySources) -> list[Resource]:
    """Every resource of the query's type; raises when no account could be read."""
    return read_all(query, sources)[0]


def run(query: InventoryQuery, sources: InventorySources) -> InventoryResult:
    everything, failed = read_all(query, sources)
    kept = [r for r in everything if all(f.matches(r) for f in query.filters)]
    kept.sort(key=lambda r: (r.account, r.name.lower(), r.id))
    log.info(
        "inventory query",
        extra={"query": query.describe(), "scanned": len(everything), "kept": len(kept)},
    )
    several = sources.fleet is not None and sources.fleet.several
    return InventoryResult(query, kept, len(everything), failed, several)
