"""Security checks: world-open security groups, public buckets, IAM users, certificates."""

from __future__ import annotations

from typing import Any

from bot.investigate.context import InvestigationContext
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Scope, alert_owner, owner_by_words
from bot.investigate.primitives.signals import PUBLIC_WEB_PORTS, SENSITIVE_PORTS

_WORLD = {"0.0.0.0/0", "::/0"}
_ADMIN = {"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"}


def security_groups(
    ctx: InvestigationContext, scope: Scope, params: dict[str, Any]
) -> list[Finding]:
    holders: dict[str, list[str]] = {}
    for inst in ctx.evidence.ec2_instances():
        node = ctx.topology.by_resource(inst.ref)
        for group in inst.security_groups:
            holders.setdefault(group, []).append(node.name if node else inst.ref)
    out = []
    for rule in ctx.evidence.security_group_ingress():
        if rule.cidr not in _WORLD:
            continue
        services = holders.get(rule.group) or [rule.group]
        for service in services:
            if scope.services and service not in scope.services and not scope.hints.get("all"):
                continue
            web = rule.port in PUBLIC_WEB_PORTS
            label = SENSITIVE_PORTS.get(rule.port, f"port {rule.port}")
            out.append(
                Finding(
                    type=FindingType.SECURITY,
                    service=service,
                    source=f"ec2:sg/{rule.group}",
                    summary=f"{service}: security group {rule.group} allows {rule.cidr} on "
                    f"{rule.protocol.upper()} {rule.port} ({label})"
                    + (" — a public web port" if web else ""),
                    attrs={
                        "check": "sg_open_web" if web else "sg_open",
                        "group": rule.group,
                        "port": rule.port,
                        "cidr": rule.cidr,
                        "sensitive": not web,
                    },
                )
            )
    return out


def buckets(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    out = []
    for bucket in ctx.evidence.buckets():
        node = ctx.topology.by_resource(bucket.name)
        service = node.name if node else bucket.name
        if scope.services and service not in scope.services and not scope.hints.get("all"):
            continue
        if bucket.public:
            out.append(
                Finding(
                    type=FindingType.SECURITY,
                    service=service,
                    source=f"s3:{bucket.name}",
                    summary=f"{service}: bucket {bucket.name} is publicly readable"
                    + ("" if bucket.encrypted else " and not encrypted"),
                    attrs={
                        "check": "bucket_public",
                        "bucket": bucket.name,
                        "encrypted": bucket.encrypted,
                    },
                )
            )
        elif not bucket.encrypted:
            out.append(
                Finding(
                    type=FindingType.SECURITY,
                    service=service,
                    source=f"s3:{bucket.name}",
                    summary=f"{service}: bucket {bucket.name} has no default encryption",
                    attrs={"check": "bucket_unencrypted", "bucket": bucket.name},
                )
            )
    return out


def iam_users(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    max_age = int(params.get("max_key_age_days", 90))
    out = []
    for user in ctx.evidence.iam_users():
        problems = []
        if user.access_key_age_days is not None and user.access_key_age_days > max_age:
            problems.append(f"access key {user.access_key_age_days} days old (> {max_age})")
        if not user.mfa:
            problems.append("no MFA")
        admin = sorted(set(user.policies) & _ADMIN)
        if admin:
            problems.append(f"broad policies {', '.join(admin)}")
        if not problems:
            continue
        severity = len(problems) + (1 if admin else 0)
        # the service whose alert names the user, or whose name / resource the user's name
        # carries (a deploy user named after what it deploys); else the user itself
        owner = alert_owner(scope, user.name) or owner_by_words(ctx, user.name)
        out.append(
            Finding(
                type=FindingType.SECURITY,
                service=owner or f"iam:{user.name}",
                source=f"iam:user/{user.name}",
                summary=(f"{owner}: " if owner else "")
                + f"IAM user {user.name}: "
                + "; ".join(problems),
                attrs={
                    "check": "iam_user",
                    "user": user.name,
                    "risk_points": severity,
                    "old_key": bool(
                        user.access_key_age_days and user.access_key_age_days > max_age
                    ),
                    "mfa": user.mfa,
                    "admin": bool(admin),
                },
            )
        )
    return out


def certificates(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    """Expired or soon-expiring certificates, bound to the service whose name the domain carries
    or whose alerts name the domain. ``scoped: true`` (general triage) keeps only certificates
    of services in scope, so every investigation can look without listing unrelated ones."""
    warn_days = float(params.get("warn_days", 21))
    scoped = bool(params.get("scoped"))
    out = []
    for cert in ctx.evidence.certificates():
        days = (cert.not_after - ctx.now()).total_seconds() / 86400.0
        if days > warn_days:
            continue
        owner = alert_owner(scope, cert.domain) or ctx.topology.owner_of_text(cert.domain)
        if scoped and owner not in scope.services:
            continue
        service = owner or cert.domain
        state = "expired" if days <= 0 else f"expires in {days:.1f} days"
        out.append(
            Finding(
                type=FindingType.SECURITY,
                service=service,
                source=f"acm:{cert.domain}",
                summary=f"{service}: certificate for {cert.domain} {state}",
                attrs={
                    "check": "cert_expiry",
                    "domain": cert.domain,
                    "days_left": round(days, 2),
                    "expired": days <= 0,
                },
            )
        )
    return out


def topology_walk(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    out = []
    for name in scope.services:
        node = ctx.topology.get(name)
        if not node:
            continue
        deps = ctx.topology.dependencies(name)
        users = ctx.topology.dependents(name)
        out.append(
            Finding(
                type=FindingType.TOPOLOGY,
                service=name,
                source="service-graph",
                summary=f"{name} ({node.kind} {node.resource}) depends on "
                f"{', '.join(deps) or 'nothing'}; used by {', '.join(users) or 'nobody'}",
                attrs={"kind": node.kind, "dependencies": len(deps), "dependents": len(users)},
            )
        )
    return out


PRIMITIVES = {
    "security.security_groups": security_groups,
    "security.buckets": buckets,
    "security.iam": iam_users,
    "security.certificates": certificates,
    "topology.walk": topology_walk,
}
