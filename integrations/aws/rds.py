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
