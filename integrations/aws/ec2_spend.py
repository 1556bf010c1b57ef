"""EBS volumes and Elastic IPs: what is attached to what (read-only, for cost hygiene)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.aws.errors import aws_errors


@dataclass(frozen=True)
class Volume:
    volume_id: str
    size_gb: int
    volume_type: str
    state: str  # available (unattached) | in-use | creating | deleting | ...
    instance_ids: tuple[str, ...]


@dataclass(frozen=True)
class ElasticIp:
    public_ip: str
    allocation_id: str | None
    instance_id: str | None
    association_id: str | None


def volumes(client: Any) -> list[Volume]:
    out: list[Volume] = []
    with aws_errors("EBS volumes"):
        for page in client.get_paginator("describe_volumes").paginate():
            for raw in page.get("Volumes", []):
                attached = tuple(
                    a["InstanceId"] for a in raw.get("Attachments", []) if a.get("InstanceId")
                )
                out.append(
                    Volume(
                        volume_id=raw["VolumeId"],
                        size_gb=int(raw.get("Size") or 0),
                        volume_type=str(raw.get("VolumeType") or "?"),
                        state=str(raw.get("State") or "?"),
                        instance_ids=attached,
                    )
                )
    return out


def elastic_ips(client: Any) -> list[ElasticIp]:
    with aws_errors("Elastic IPs"):
        raw = client.describe_addresses().get("Addresses", [])
    return [
        ElasticIp(
            public_ip=str(a.get("PublicIp") or "?"),
            allocation_id=a.get("AllocationId"),
            instance_id=a.get("InstanceId") or None,
            association_id=a.get("AssociationId"),
        )
        for a in raw
    ]
