"""IAM principals with the documents of every policy they hold (inline, attached, and their
groups'), their MFA devices and access keys with last use. Who holds which policy comes from
one paginated ``GetAccountAuthorizationDetails`` (users, groups and roles with their inline
documents and attached ARNs) instead of three or four calls per principal; managed policy
documents are read once per audit (cached by ARN). Keys and MFA devices are read per user
only where the account's credential report and its virtual MFA assignments
(``integrations.aws.iam_report``) leave the answer open: no account-wide call carries the key
ids the fixes need, so a user with keys is always read alive."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from integrations.aws.errors import aws_errors
from integrations.aws.iam_report import ReportLine, credential_report, virtual_mfa_users

#: users whose keys and MFA devices are read at once (a boto3 client is thread-safe)
USER_WORKERS = 8


@dataclass(frozen=True)
class HeldPolicy:
    name: str  # "PowerUserAccess", "inline deploy", "group ops: AdministratorAccess"
    document: dict[str, Any]


@dataclass(frozen=True)
class KeyUse:
    key_id: str
    status: str
    created: datetime
    last_used: datetime | None


@dataclass(frozen=True)
class Principal:
    kind: str  # user | role
    name: str
    arn: str
    created: datetime | None
    policies: list[HeldPolicy]
    mfa: bool | None = None  # users only
    keys: list[KeyUse] = field(default_factory=list)
    password_last_used: datetime | None = None
    service_role: bool = False  # a role only AWS services may assume


def _document(raw: Any) -> dict[str, Any]:
    """Policy documents come URL-encoded JSON (the API) or already parsed (boto3 parses some)."""
    if isinstance(raw, dict):
        return raw
    try:
        parsed = json.loads(unquote(str(raw)))
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class PolicyReader:
    """Reads the policies of users, groups and roles, each managed document once."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._managed: dict[str, dict[str, Any]] = {}
        self._groups: dict[str, list[HeldPolicy]] = {}
        self._details: dict[str, dict[str, dict[str, Any]]] | None = None
        self._lock = threading.RLock()

    def details(self) -> dict[str, dict[str, dict[str, Any]]]:
        """``{"User"|"Group"|"Role": {name: detail}}`` from the account's authorization
        details, read once (paginated)."""
        if self._details is None:
            out: dict[str, dict[str, dict[str, Any]]] = {"User": {}, "Group": {}, "Role": {}}
            pages = self.client.get_paginator("get_account_authorization_details").paginate(
                Filter=["User", "Group", "Role"]
            )
            for page in pages:
                for kind, key in (("User", "UserDetailList"), ("Group", "GroupDetailList"),
                                  ("Role", "RoleDetailList")):  # fmt: skip
                    for d in page.get(key, []):
                        out[kind][d[f"{kind}Name"]] = d
            self._details = out
        return self._details

    def _from_detail(self, kind: str, name: str, prefix: str = "") -> list[HeldPolicy] | None:
        """What ``_held`` reads, from the authorization details (None: not in them)."""
        detail = self.details()[kind].get(name)
        if detail is None:
            return None
        out = [
            HeldPolicy(f"{prefix}{p['PolicyName']}", self.managed(p["PolicyArn"]))
            for p in detail.get("AttachedManagedPolicies", [])
        ]
        out += [
            HeldPolicy(f"{prefix}inline {p['PolicyName']}", _document(p["PolicyDocument"]))
            for p in detail.get(f"{kind}PolicyList", [])
        ]
        return out

    def managed(self, arn: str) -> dict[str, Any]:
        with self._lock:  # users are read on several threads; each document is read once
            return self._read_managed(arn)

    def _read_managed(self, arn: str) -> dict[str, Any]:
        if arn not in self._managed:
            policy = self.client.get_policy(PolicyArn=arn)["Policy"]
            version = self.client.get_policy_version(
                PolicyArn=arn, VersionId=policy["DefaultVersionId"]
            )
            self._managed[arn] = _document(version["PolicyVersion"]["Document"])
        return self._managed[arn]

    def _calls(self, kind: str) -> tuple[str, Any, Any, Callable[..., Any]]:
        """(name key, attached-policies paginator, inline-names paginator, inline getter):
        written out per kind so the IAM policy test sees each call."""
        c = self.client
        if kind == "user":
            return (
                "UserName",
                c.get_paginator("list_attached_user_policies"),
                c.get_paginator("list_user_policies"),
                lambda **kw: c.get_user_policy(**kw),
            )
        if kind == "group":
            return (
                "GroupName",
                c.get_paginator("list_attached_group_policies"),
                c.get_paginator("list_group_policies"),
                lambda **kw: c.get_group_policy(**kw),
            )
        return (
            "RoleName",
            c.get_paginator("list_attached_role_policies"),
            c.get_paginator("list_role_policies"),
            lambda **kw: c.get_role_policy(**kw),
        )

    def _held(self, kind: str, name: str, prefix: str = "") -> list[HeldPolicy]:
        key, attached, inline, get_inline = self._calls(kind)
        out = [
            HeldPolicy(f"{prefix}{p['PolicyName']}", self.managed(p["PolicyArn"]))
            for page in attached.paginate(**{key: name})
            for p in page["AttachedPolicies"]
        ]
        for page in inline.paginate(**{key: name}):
            for policy_name in page["PolicyNames"]:
                doc = get_inline(**{key: name, "PolicyName": policy_name})["PolicyDocument"]
                out.append(HeldPolicy(f"{prefix}inline {policy_name}", _document(doc)))
        return out

    def group(self, name: str) -> list[HeldPolicy]:
        with self._lock:
            return self._read_group(name)

    def _read_group(self, name: str) -> list[HeldPolicy]:
        if name not in self._groups:
            prefix = f"group {name}: "
            held = self._from_detail("Group", name, prefix)
            self._groups[name] = held if held is not None else self._held("group", name, prefix)
        return self._groups[name]

    def _user_policies(self, name: str) -> list[HeldPolicy]:
        held = self._from_detail("User", name)
        if held is not None:
            groups = self.details()["User"][name].get("GroupList", [])
            return held + [p for g in groups for p in self.group(g)]
        # a user made after the details were read: ask about it alone
        held = self._held("user", name)
        for page in self.client.get_paginator("list_groups_for_user").paginate(UserName=name):
            for group in page["Groups"]:
                held += self.group(group["GroupName"])
        return held

    def users(self) -> list[Principal]:
        """Every user with its policies, keys and MFA. The account-wide reads (credential
        report, virtual MFA assignments) settle most users; the per-user reads left (keys of a
        user that has some, MFA the report cannot settle) run ``USER_WORKERS`` at a time, in
        order."""
        c = self.client
        out: list[Principal] = []
        with aws_errors("IAM users"):
            self.details()
            report = credential_report(c)
            virtual = virtual_mfa_users(c) if report is not None else set()
            if virtual is None:  # the report alone cannot say who has MFA
                report, virtual = None, set()
            with ThreadPoolExecutor(USER_WORKERS, "iam-users") as pool:
                for page in c.get_paginator("list_users").paginate():
                    lines = [(raw, (report or {}).get(raw["UserName"])) for raw in page["Users"]]
                    out += pool.map(lambda u: self._user(u[0], u[1], virtual), lines)
        return out

    def _keys(self, name: str) -> list[KeyUse]:
        c = self.client
        keys = []
        for k in c.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            used = c.get_access_key_last_used(AccessKeyId=k["AccessKeyId"])
            last = used.get("AccessKeyLastUsed", {}).get("LastUsedDate")
            keys.append(KeyUse(k["AccessKeyId"], k["Status"], k["CreateDate"], last))
        return keys

    def _mfa(self, name: str, line: ReportLine | None, virtual: set[str]) -> bool:
        if name in virtual:
            return True
        if line is not None and not line.mfa_active:
            return False
        return bool(self.client.list_mfa_devices(UserName=name)["MFADevices"])

    def _user(self, raw: dict[str, Any], line: ReportLine | None, virtual: set[str]) -> Principal:
        """``line``: the user's credential-report line (None: no report, or made after it)."""
        name = raw["UserName"]
        return Principal(
            kind="user",
            name=name,
            arn=raw.get("Arn", name),
            created=raw.get("CreateDate"),
            policies=self._user_policies(name),
            mfa=self._mfa(name, line, virtual),
            keys=self._keys(name) if line is None or line.has_keys else [],
            password_last_used=raw.get("PasswordLastUsed"),
        )

    def _role_policies(self, name: str) -> list[HeldPolicy]:
        held = self._from_detail("Role", name)
        return held if held is not None else self._held("role", name)

    def roles(self) -> list[Principal]:
        out = []
        with aws_errors("IAM roles"):
            for page in self.client.get_paginator("list_roles").paginate():
                for raw in page["Roles"]:
                    trust = _document(raw.get("AssumeRolePolicyDocument", {}))
                    out.append(
                        Principal(
                            kind="role",
                            name=raw["RoleName"],
                            arn=raw.get("Arn", raw["RoleName"]),
                            created=raw.get("CreateDate"),
                            policies=self._role_policies(raw["RoleName"]),
                            service_role=_only_services(trust),
                        )
                    )
        return out


def _only_services(trust: dict[str, Any]) -> bool:
    statements = trust.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    principals = [s.get("Principal", {}) for s in statements if isinstance(s, dict)]
    return bool(principals) and all(
        isinstance(p, dict) and set(p) == {"Service"} for p in principals
    )
