"""Writes remediation makes on data and security: S3 public access, RDS reboot and parameters,
IAM access keys, CloudFront invalidations. The boto3 client is injected."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from integrations.aws.errors import AwsNotFound, aws_errors

BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def public_access_block(client: Any, bucket: str) -> dict[str, bool] | None:
    """The bucket's public access block, or None when it has none."""
    raw = None
    with aws_errors(f"bucket {bucket}", absent="NoSuchPublicAccessBlock"):
        raw = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    return None if raw is None else {k: bool(raw.get(k)) for k in BLOCK_ALL}


def put_public_access_block(client: Any, bucket: str, config: dict[str, bool] | None) -> None:
    """Set the bucket's public access block (``None`` deletes it)."""
    with aws_errors(f"bucket {bucket}"):
        if config is None:
            client.delete_public_access_block(Bucket=bucket)
        else:
            client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)


def reboot_db_instance(client: Any, identifier: str) -> str:
    with aws_errors(f"RDS instance {identifier}"):
        out = client.reboot_db_instance(DBInstanceIdentifier=identifier)
    return str(out["DBInstance"]["DBInstanceStatus"])


def set_db_parameter(
    client: Any, group: str, name: str, value: str, apply_method: str = "pending-reboot"
) -> None:
    with aws_errors(f"parameter group {group}"):
        client.modify_db_parameter_group(
            DBParameterGroupName=group,
            Parameters=[
                {"ParameterName": name, "ParameterValue": value, "ApplyMethod": apply_method}
            ],
        )


def reset_db_parameter(
    client: Any, group: str, name: str, apply_method: str = "pending-reboot"
) -> None:
    """Put one parameter back to the engine default (the undo when it was not set before)."""
    with aws_errors(f"parameter group {group}"):
        client.reset_db_parameter_group(
            DBParameterGroupName=group,
            Parameters=[{"ParameterName": name, "ApplyMethod": apply_method}],
        )


@dataclass(frozen=True)
class KeyState:
    key_id: str
    status: str


def access_keys(client: Any, user: str) -> list[KeyState]:
    with aws_errors(f"IAM user {user}"):
        raw = client.list_access_keys(UserName=user)["AccessKeyMetadata"]
    return [KeyState(k["AccessKeyId"], k["Status"]) for k in raw]


def set_access_key_status(client: Any, user: str, key_id: str, status: str) -> None:
    """``Active`` or ``Inactive``."""
    with aws_errors(f"access key {key_id} of {user}"):
        client.update_access_key(UserName=user, AccessKeyId=key_id, Status=status)


def distribution_status(client: Any, distribution_id: str) -> str:
    with aws_errors(f"CloudFront distribution {distribution_id}"):
        raw = client.get_distribution(Id=distribution_id)["Distribution"]
    if not raw:
        raise AwsNotFound(f"CloudFront distribution {distribution_id} not found")
    return str(raw.get("Status", ""))


def latest_invalidation(client: Any, distribution_id: str) -> tuple[str, str] | None:
    """(id, status) of the distribution's newest invalidation; status is InProgress or
    Completed (moto answers COMPLETED: compare without case). None when there is none."""
    with aws_errors(f"invalidations of {distribution_id}"):
        out = client.list_invalidations(DistributionId=distribution_id)
    items = (out.get("InvalidationList") or {}).get("Items") or []
    if not items:
        return None
    newest = max(items, key=lambda i: i.get("CreateTime") or 0)
    return str(newest["Id"]), str(newest.get("Status", ""))


def create_invalidation(client: Any, distribution_id: str, paths: list[str]) -> str:
    """Invalidate ``paths``; returns the invalidation id."""
    with aws_errors(f"CloudFront distribution {distribution_id}"):
        out = client.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": list(paths)},
                "CallerReference": f"aiops-{time.time_ns()}",
            },
        )
    return str(out["Invalidation"]["Id"])
