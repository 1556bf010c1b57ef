"""The security audit's sections beyond security groups, buckets, IAM and encryption, each a
read over a client passed in: root account use (CloudTrail), GuardDuty and Inspector findings
where those are enabled, and the Kubernetes workload checks. Every door builds the list here,
so Slack and the terminal run the same checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.posture.finding import PostureFinding
from bot.posture.security import MoreCheck

ROOT_TITLE = "Root account use (CloudTrail)"
K8S_TITLE = "Kubernetes workloads"
GUARDDUTY_TITLE = "GuardDuty findings"
INSPECTOR_TITLE = "Inspector findings"


Read = Callable[[], list[PostureFinding]]


def _bind(read: Callable[..., list[PostureFinding]], *args: Any) -> Read:
    return lambda: read(*args)


def more_checks(aws: Any, k8s: Any, now: datetime) -> list[MoreCheck]:
    """``aws`` is an ``AwsClients`` (or None when AWS is not configured), ``k8s`` a
    ``KubernetesApi`` (or None)."""
    from bot.posture.cloudtrail import root_use
    from bot.posture.k8s import k8s_audit
    from bot.posture.threats import guardduty_audit, inspector_audit

    checks: list[MoreCheck] = []
    if aws is not None:
        checks.append((ROOT_TITLE, _bind(root_use, aws.cloudtrail, now)))
        if aws.guardduty is not None:
            checks.append((GUARDDUTY_TITLE, _bind(guardduty_audit, aws.guardduty)))
        if aws.inspector2 is not None:
            checks.append((INSPECTOR_TITLE, _bind(inspector_audit, aws.inspector2)))
    if k8s is not None:
        checks.append((K8S_TITLE, _bind(k8s_audit, k8s)))
    return checks
