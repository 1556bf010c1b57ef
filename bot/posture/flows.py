"""The security audit as one flow for every door: ``aiops audit security`` and
``/aiops audit security`` both call :func:`security`, so which checks run, and whether they run in
one account or across ``accounts.yaml``, is decided here and not in a handler.

``aws`` is the home account's ``AwsClients`` (None when AWS is not configured), ``k8s`` the
``KubernetesApi`` (or None), ``fleet`` the accounts of ``AIOPS_ACCOUNTS_FILE`` (or None).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.accounts.service import Fleet
from bot.investigate.context import InvestigationContext
from bot.posture.across import FleetSecurityAudit, security_across
from bot.posture.checks import more_checks
from bot.posture.report import ReportRow, security_rows
from bot.posture.security import SecurityAudit, security_audit
from integrations.aws.iam_policies import PolicyReader
from integrations.aws.posture_reads import PostureReader


def security(
    ctx: InvestigationContext, aws: Any, k8s: Any, fleet: Fleet | None, now: datetime
) -> SecurityAudit:
    """Every account and region of ``fleet`` when given; otherwise the home account with the
    policy documents, the posture reads and the extra sections (CloudTrail, GuardDuty /
    Inspector, Kubernetes)."""
    if fleet is not None:
        return security_across(fleet, now, ctx.topology)
    if aws is None:
        return security_audit(ctx, None, None, more_checks(None, k8s, now))
    reads = PostureReader(aws.ec2, aws.rds)
    return security_audit(ctx, PolicyReader(aws.iam), reads, more_checks(aws, k8s, now))


def security_report_rows(audit: SecurityAudit) -> list[ReportRow]:
    """The report's rows; across accounts, error rows name their account and region too."""
    return audit.rows() if isinstance(audit, FleetSecurityAudit) else security_rows(audit)
