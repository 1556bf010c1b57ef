"""RDS instances."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.aws.errors import aws_errors


@dataclass(frozen=True)
class DbInstance:
    identifier: str
    engine: str
    instance_class: str
    status: str
    parameter_groups: list[str]
    # parameter group → ParameterApplyStatus (in-sync | applying | pending-reboot)
    apply_status: dict[str, str] = field(default_factory=dict)
    # the Secrets Manager secret RDS keeps its master password in (ManageMasterUserPassword)
    master_secret_arn: str | None = None


def describe(client: Any, identifier: str) -> DbInstance:
    with aws_errors(f"RDS instance {identifier}"):
        raw = client.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    return DbInstance(
        identifier=raw["DBInstanceIdentifier"],
        engine=raw["Engine"],
        instance_class=raw["DBInstanceClass"],
        status=raw["DBInstanceStatus"],
        parameter_groups=[g["DBParameterGroupName"] for g in raw.get("DBParameterGroups", [])],
        apply_status={
            g["DBParameterGroupName"]: str(g.get("ParameterApplyStatus", ""))
            for g in raw.get("DBParameterGroups", [])
        },
        master_secret_arn=(raw.get("MasterUserSecret") or {}).get("SecretArn"),
    )


def parameter(client: Any, group: str, name: str) -> str | None:
    """The value of one parameter of a DB parameter group (None when not set)."""
    with aws_errors(f"parameter group {group}"):
        pages = client.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=group)
        for page in pages:
            for param in page.get("Parameters", []):
                if param.get("ParameterName") == name:
                    return param.get("ParameterValue")
    return None


def connection_limit(client: Any, db: DbInstance) -> int | None:
    """The instance's ``max_connections`` when one of its parameter groups sets it to a number
    (None for the engine default, a formula such as ``{DBInstanceClassMemory/9531392}``)."""
    for group in db.parameter_groups:
        value = parameter(client, group, "max_connections")
        if value is not None and str(value).strip().isdigit():
            return int(str(value).strip())
    return None
