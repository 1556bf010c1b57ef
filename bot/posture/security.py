"""The security audit: the investigation's security primitives run over everything (no
service scope): world-open security groups, public or unencrypted buckets, IAM users with old
keys / no MFA / broad policies, certificates expiring within three weeks.

A check that cannot read its source is reported as such; the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.errors import NotEnabled
from bot.investigate.context import InvestigationContext
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Primitive, Scope
from bot.investigate.primitives.security import buckets, certificates, iam_users, security_groups
from bot.posture.buckets import bucket_findings
from bot.posture.encryption import encryption_audit
from bot.posture.finding import PostureFinding
from bot.posture.iam import PrincipalSource, iam_audit
from bot.posture.network import open_groups, unused_groups
from integrations.aws.posture_reads import GroupUse, StoredData
from integrations.aws.s3 import BucketState

log = logging.getLogger(__name__)


class PostureSource(Protocol):
    """Encryption, security-group and bucket reads
    (``integrations.aws.posture_reads.PostureReader``)."""

    def storage(self) -> list[StoredData]: ...

    def groups(self) -> list[GroupUse]: ...

    def buckets(self) -> list[BucketState] | None: ...


#: (section title, a read returning its findings), see ``bot.posture.checks``
MoreCheck = tuple[str, Callable[[], list[PostureFinding]]]

#: (title, primitive) in the order the report lists them
CHECKS: tuple[tuple[str, Primitive], ...] = (
    ("Security groups open to the internet", security_groups),
    ("S3 buckets", buckets),
    ("IAM users", iam_users),
    ("Certificates", certificates),
)


#: the investigation's findings a registry action fixes, for an audit without the posture reads:
#: check -> (action, {param: the finding's attribute}); the audit's own checks (groups, buckets,
#: IAM, Kubernetes) name theirs where they are made
PRIMITIVE_FIXES: dict[str, tuple[str, dict[str, str]]] = {
    "bucket_public": ("s3.block_public_access", {"bucket": "bucket"}),
}


def _with_fix(f: Finding) -> Finding:
    fix = PRIMITIVE_FIXES.get(str(f.get("check")))
    if fix is None or f.get("fix_action"):
        return f
    action, params = fix
    named = {f"fix_{p}": str(f.get(attr)) for p, attr in params.items()}
    return f.model_copy(update={"attrs": {**f.attrs, "fix_action": action, **named}})


@dataclass
class SecurityAudit:
    sections: list[tuple[str, list[Finding]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # sources not enabled here

    @property
    def findings(self) -> list[Finding]:
        return [f for _, found in self.sections for f in found]

    @property
    def risky(self) -> list[Finding]:
        """Findings that need action (an open web port on a web server is expected)."""
        return [f for f in self.findings if f.get("check") != "sg_open_web"]


def _sorted(found: list[Finding]) -> list[Finding]:
    return sorted(found, key=lambda f: (f.get("check") == "sg_open_web", f.summary))


IAM_TITLE = "IAM users and roles"
SG_TITLE = CHECKS[0][0]
UNUSED_SG_TITLE = "Unused security groups"
ENCRYPTION_TITLE = "Unencrypted volumes, databases and snapshots"


def _finding(f: PostureFinding) -> Finding:
    return Finding(
        type=FindingType.SECURITY,
        service=f.resource,
        source=f.resource,
        summary=f"[{f.severity}] {f.summary} ({f.evidence})",
        attrs={
            "check": f.check,
            "severity": f.severity,
            "fix_action": f.fix_action,
            **{f"fix_{k}": v for k, v in f.fix_params.items()},
        },
    )


def _as_findings(read: Callable[[], list[PostureFinding]]) -> Callable[[], list[Finding]]:
    return lambda: [_finding(f) for f in read()]


def _guarded(audit: SecurityAudit, title: str, read: Callable[[], list[Finding]]) -> None:
    try:
        audit.sections.append((title, read()))
    except NotEnabled as exc:
        audit.notes.append(f"{title}: {exc}")
    except Exception as exc:  # one unreadable source must not hide the others
        log.info("security audit: %s failed: %s", title, exc, exc_info=True)
        audit.errors.append(f"{title}: could not read ({exc})")


def _iam_section(source: PrincipalSource, now: datetime) -> list[Finding]:
    return [
        Finding(
            type=FindingType.SECURITY,
            service=f.principal,
            source=f"iam:{f.principal}",
            summary=f"[{f.severity}] {f.summary} ({f.evidence})",
            attrs={
                "check": f.check,
                "severity": f.severity,
                "fix_action": f.fix_action,
                **{f"fix_{k}": v for k, v in f.fix_params.items()},
            },
        )  # fmt: skip
        for f in iam_audit(source, now)
    ]


def security_audit(
    ctx: InvestigationContext,
    iam_source: PrincipalSource | None = None,
    aws: PostureSource | None = None,
    more: Sequence[MoreCheck] = (),
) -> SecurityAudit:
    """``iam_source`` reads IAM with policy documents; without it the IAM check goes by the
    evidence's policy names. ``aws`` (``PostureReader``) reads security groups with their
    use (world-open rules ranked by port risk, unused groups) and adds encryption at rest.
    ``more`` are further sections (``bot.posture.checks.more_checks``: root use, GuardDuty,
    Inspector, Kubernetes), each run on its own so one unreadable source hides nothing."""
    now = ctx.now()
    scope = Scope(services=(), start=now, end=now, long_start=now, hints={"all": True})
    audit = SecurityAudit()
    groups: list[GroupUse] = []
    for title, check in CHECKS:
        if aws is not None and check is security_groups:
            try:
                groups = aws.groups()
            except Exception as exc:  # one unreadable source must not hide the others
                log.info("security audit: groups failed: %s", exc, exc_info=True)
                audit.errors.append(f"{title}: could not read ({exc})")
                continue
            audit.sections.append((title, [_finding(f) for f in open_groups(groups)]))
            audit.sections.append((UNUSED_SG_TITLE, [_finding(f) for f in unused_groups(groups)]))
            continue
        if aws is not None and check is buckets:
            try:
                states = aws.buckets()
            except Exception as exc:  # one unreadable source must not hide the others
                log.info("security audit: buckets failed: %s", exc, exc_info=True)
                audit.errors.append(f"{title}: could not read ({exc})")
                continue
            if states is not None:  # else: not read here, the evidence's buckets below
                audit.sections.append((title, [_finding(f) for f in bucket_findings(states)]))
                continue
        if iam_source is not None and check is iam_users:
            try:
                audit.sections.append((IAM_TITLE, _iam_section(iam_source, now)))
            except Exception as exc:  # one unreadable source must not hide the others
                log.info("security audit: IAM failed: %s", exc, exc_info=True)
                audit.errors.append(f"{IAM_TITLE}: could not read ({exc})")
            continue
        try:
            found = check(ctx, scope, {})
        except Exception as exc:  # one unreadable source must not hide the others
            log.info("security audit: %s failed: %s", title, exc, exc_info=True)
            audit.errors.append(f"{title}: could not read ({exc})")
            continue
        audit.sections.append((title, _sorted([_with_fix(f) for f in found])))
    if aws is not None:
        _guarded(audit, ENCRYPTION_TITLE, lambda: [_finding(f) for f in encryption_audit(aws)])
    return add_sections(audit, more)


def add_sections(audit: SecurityAudit, more: Sequence[MoreCheck]) -> SecurityAudit:
    """Run each further check as its own section: off is a note, unreadable an error."""
    for title, read in more:
        _guarded(audit, title, _as_findings(read))
    return audit


def render(audit: SecurityAudit, *, max_per_section: int = 15) -> str:
    risky = len(audit.risky)
    head = f"*Security audit*: {risky} finding{'s' * (risky != 1)} to act on"
    lines = [head]
    for title, found in audit.sections:
        if not found:
            lines.append(f"*{title}*: nothing found")
            continue
        lines.append(f"*{title}* ({len(found)})")
        for f in found[:max_per_section]:
            mark = ":information_source:" if f.get("check") == "sg_open_web" else ":warning:"
            where = f"`{f.get('account')} {f.get('region')}` " if f.get("account") else ""
            lines.append(f"{mark} {where}{f.summary}")
        if len(found) > max_per_section:
            lines.append(f"… and {len(found) - max_per_section} more")
    lines += [f":information_source: {n}" for n in audit.notes]
    lines += [f":x: {e}" for e in audit.errors]
    return "\n".join(lines)
