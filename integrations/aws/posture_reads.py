"""What the security audit reads beyond the investigation's evidence: whether volumes, RDS
instances and their snapshots are encrypted, which security groups a network interface
uses, with their world-open rules, and the buckets with the account's Block Public Access.
Paginated reads, no judgement (that is ``bot/posture``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from integrations.aws.errors import aws_errors
from integrations.aws.s3 import BucketState, account_block, bucket_states, list_buckets

log = logging.getLogger(__name__)

WORLD = ("0.0.0.0/0", "::/0")


@dataclass(frozen=True)
class StoredData:
    """A volume, RDS instance or snapshot with its encryption."""

    kind: str  # volume | db_instance | snapshot | db_snapshot
    id: str
    name: str
    encrypted: bool
    detail: str  # "50 GB gp3, in-use", "postgres db.t3.micro", "of vol-…"


@dataclass(frozen=True)
class OpenRule:
    protocol: str  # tcp | udp | -1 (all)
    from_port: int | None
    to_port: int | None
    cidr: str


@dataclass(frozen=True)
class GroupUse:
    id: str
    name: str
    vpc: str
    default: bool  # the VPC's default group (cannot be deleted)
    in_use: bool  # a network interface carries it
    world_rules: tuple[OpenRule, ...]


def _pages(paginator: Any, key: str, **request: Any) -> Iterator[dict[str, Any]]:
    for page in paginator.paginate(**request):
        yield from page.get(key, [])


def _name(tags: list[dict[str, str]] | None, default: str) -> str:
    return next((t["Value"] for t in tags or [] if t.get("Key") == "Name"), default)


def owner_account(ec2: Any) -> str | None:
    """The account's id: the owner of its own security groups (no extra permission)."""
    page = ec2.describe_security_groups(MaxResults=5)
    return next((g.get("OwnerId") for g in page.get("SecurityGroups", [])), None)


class PostureReader:
    def __init__(
        self,
        ec2: Any,
        rds: Any,
        account: str | None = None,
        *,
        s3: Any = None,
        s3control: Any = None,
    ) -> None:
        """``account``: the account's id when the caller knows it (several accounts: from the
        role ARN), which saves asking EC2 for it. ``s3`` / ``s3control``: read the buckets too
        (once per account: give them in its first region only)."""
        self.ec2 = ec2
        self.rds = rds
        self.account = account
        self.s3 = s3
        self.s3control = s3control

    def buckets(self) -> list[BucketState] | None:
        """Every bucket's exposure and encryption with the account's own Block Public Access
        applied (read first: when it blocks, no bucket's public-access reads are made); None
        without an S3 client. An account setting that cannot be read (no
        ``s3:GetAccountPublicAccessBlock``) leaves each bucket's own settings to decide."""
        if self.s3 is None:
            return None
        account_id = (self.account or self._account()) if self.s3control is not None else None
        account = account_block(self.s3control, account_id)
        with aws_errors("buckets"):
            return bucket_states(self.s3, list_buckets(self.s3), account)

    def storage(self) -> list[StoredData]:
        with aws_errors("encryption"):
            return self._volumes() + self._databases()

    def _volumes(self) -> list[StoredData]:
        out = []
        for v in _pages(self.ec2.get_paginator("describe_volumes"), "Volumes"):
            out.append(
                StoredData(
                    "volume", v["VolumeId"], _name(v.get("Tags"), v["VolumeId"]),
                    bool(v.get("Encrypted")),
                    f"{v.get('Size', '?')} GB {v.get('VolumeType', '')}, {v.get('State', '')}",
                )
            )  # fmt: skip
        account = self.account or self._account()
        for s in _pages(
            self.ec2.get_paginator("describe_snapshots"), "Snapshots", OwnerIds=["self"]
        ):
            if account and s.get("OwnerId") != account:
                continue  # a server that ignores OwnerIds (moto) must not list others' snapshots
            out.append(
                StoredData(
                    "snapshot", s["SnapshotId"], _name(s.get("Tags"), s["SnapshotId"]),
                    bool(s.get("Encrypted")), f"of {s.get('VolumeId', '?')}",
                )
            )  # fmt: skip
        return out

    def _account(self) -> str | None:
        return owner_account(self.ec2)

    def _databases(self) -> list[StoredData]:
        out = []
        for d in _pages(self.rds.get_paginator("describe_db_instances"), "DBInstances"):
            ident = d["DBInstanceIdentifier"]
            out.append(
                StoredData(
                    "db_instance", ident, ident, bool(d.get("StorageEncrypted")),
                    f"{d.get('Engine', '')} {d.get('DBInstanceClass', '')}".strip(),
                )
            )  # fmt: skip
        for s in _pages(self.rds.get_paginator("describe_db_snapshots"), "DBSnapshots"):
            ident = s["DBSnapshotIdentifier"]
            out.append(
                StoredData(
                    "db_snapshot", ident, ident, bool(s.get("Encrypted")),
                    f"of {s.get('DBInstanceIdentifier', '?')}",
                )
            )  # fmt: skip
        return out

    def groups(self) -> list[GroupUse]:
        ec2 = self.ec2
        with aws_errors("security groups"):
            used = {
                g["GroupId"]
                for eni in _pages(
                    self.ec2.get_paginator("describe_network_interfaces"), "NetworkInterfaces"
                )
                for g in eni.get("Groups", [])
            }
            return [
                GroupUse(
                    id=g["GroupId"], name=g.get("GroupName", g["GroupId"]),
                    vpc=g.get("VpcId", ""), default=g.get("GroupName") == "default",
                    in_use=g["GroupId"] in used, world_rules=_world_rules(g),
                )
                for g in _pages(ec2.get_paginator("describe_security_groups"), "SecurityGroups")
            ]  # fmt: skip


def _world_rules(group: dict[str, Any]) -> tuple[OpenRule, ...]:
    out = []
    for perm in group.get("IpPermissions", []):
        cidrs = [r.get("CidrIp") for r in perm.get("IpRanges", [])]
        cidrs += [r.get("CidrIpv6") for r in perm.get("Ipv6Ranges", [])]
        for cidr in cidrs:
            if cidr in WORLD:
                out.append(
                    OpenRule(
                        str(perm.get("IpProtocol", "-1")), perm.get("FromPort"),
                        perm.get("ToPort"), cidr,
                    )
                )  # fmt: skip
    return tuple(out)
