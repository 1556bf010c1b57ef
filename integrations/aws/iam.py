"""IAM users: access-key age, MFA, attached policies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.aws.errors import aws_errors


@dataclass(frozen=True)
class AccessKey:
    key_id: str
    status: str
    created: datetime

    def age_days(self, now: datetime) -> int:
        return (now - self.created).days


@dataclass(frozen=True)
class IamUser:
    name: str
    mfa: bool
    policies: list[str]
    access_keys: list[AccessKey]


def list_users_keys(client: Any) -> list[IamUser]:
    users: list[IamUser] = []
    with aws_errors("IAM users"):
        for page in client.get_paginator("list_users").paginate():
            for raw in page["Users"]:
                name = raw["UserName"]
                keys = client.list_access_keys(UserName=name)["AccessKeyMetadata"]
                policies = client.list_attached_user_policies(UserName=name)["AttachedPolicies"]
                devices = client.list_mfa_devices(UserName=name)["MFADevices"]
                users.append(
                    IamUser(
                        name=name,
                        mfa=bool(devices),
                        policies=[p["PolicyName"] for p in policies],
                        access_keys=[
                            AccessKey(k["AccessKeyId"], k["Status"], k["CreateDate"]) for k in keys
                        ],
                    )
                )
    return users
