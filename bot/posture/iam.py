"""The IAM audit: users and roles read with their policy documents. Admin rights come from the
statements (``iam_admin``), not from policy names; users also get MFA and access-key age and
use. Each finding has a severity, its evidence and the registry action that fixes it, where
one exists (behind the usual approval)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.posture.iam_admin import AdminRight, PolicyDocument, admin_rights

Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3}
#: what a path's kind makes the principal, and how bad that is
KIND_WORDS: dict[str, tuple[str, Severity]] = {
    "admin": ("has admin rights", "critical"),
    "escalation": ("can make itself admin", "high"),
    "broad": ("has broad rights", "high"),
}


class PrincipalSource(Protocol):
    """Reads principals with their policies (``integrations.aws.iam_policies.PolicyReader``)."""

    def users(self) -> list[Any]: ...

    def roles(self) -> list[Any]: ...


@dataclass(frozen=True)
class IamFinding:
    check: str  # iam_admin | iam_no_mfa | iam_old_key | iam_unused_key
    principal: str  # "user alice", "role deployer"
    severity: Severity
    summary: str
    evidence: str
    fix_action: str | None = None
    fix_params: dict[str, str] = field(default_factory=dict)


def _admin(principal: Any) -> list[AdminRight]:
    return admin_rights(PolicyDocument(p.name, p.document) for p in principal.policies)


def _admin_findings(principal: Any, label: str) -> list[IamFinding]:
    out = []
    for right in _admin(principal):
        what, severity = KIND_WORDS[right.path.kind]
        if principal.kind == "role" and principal.service_role:  # only AWS services assume it
            severity = "high" if severity == "critical" else "medium"
        out.append(
            IamFinding(
                check="iam_admin",
                principal=label,
                severity=severity,
                summary=f"{label} {what}: {right.path.summary}",
                evidence=f"granted by {', '.join(right.policies)}",
            )
        )
    return out


def _user_findings(
    user: Any, now: datetime, max_key_age_days: int, unused_days: int, admin: bool
) -> list[IamFinding]:
    label = f"IAM user {user.name}"
    out = []
    if user.mfa is False:
        console = user.password_last_used is not None
        out.append(
            IamFinding(
                check="iam_no_mfa",
                principal=label,
                severity="high" if admin or console else "medium",
                summary=f"{label} has no MFA device"
                + (" and signs in to the console" if console else ""),
                evidence="no MFA device in the credential report or the MFA listings",
            )
        )
    for key in (k for k in user.keys if k.status == "Active"):
        age = (now - key.created).days
        fix = {"user": user.name, "key_id": key.key_id}
        if age > max_key_age_days:
            out.append(
                IamFinding(
                    check="iam_old_key",
                    principal=label,
                    severity="high" if admin else "medium",
                    summary=f"{label}: access key {key.key_id} is {age} days old "
                    f"(rotate after {max_key_age_days})",
                    evidence=f"created {key.created:%Y-%m-%d}",
                    fix_action="iam.deactivate_access_key",
                    fix_params=fix,
                )
            )
        idle = (now - (key.last_used or key.created)).days
        if idle > unused_days:
            used = f"last used {key.last_used:%Y-%m-%d}" if key.last_used else "never used"
            out.append(
                IamFinding(
                    check="iam_unused_key",
                    principal=label,
                    severity="medium",
                    summary=f"{label}: access key {key.key_id} is {used} "
                    f"({idle} days, over {unused_days})",
                    evidence=used,
                    fix_action="iam.deactivate_access_key",
                    fix_params=fix,
                )
            )
    return out


def iam_audit(
    source: PrincipalSource,
    now: datetime,
    *,
    max_key_age_days: int = 90,
    unused_days: int = 90,
    roles: bool = True,
) -> list[IamFinding]:
    """Every IAM finding, most severe first."""
    out: list[IamFinding] = []
    for user in source.users():
        admin = _admin_findings(user, f"IAM user {user.name}")
        out += admin
        out += _user_findings(user, now, max_key_age_days, unused_days, bool(admin))
    if roles:
        for role in source.roles():
            if role.arn.split(":")[-1].startswith("role/aws-service-role/"):
                continue  # service-linked: AWS owns its policy and its trust
            out += _admin_findings(role, f"IAM role {role.name}")
    return sorted(out, key=lambda f: (SEVERITY_ORDER[f.severity], f.principal, f.check))
