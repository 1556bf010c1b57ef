"""TEMPORARY typed readers for ACM certificates and Auto Scaling groups.

``integrations/aws`` has no reader for these yet; until it does, these two narrow functions
take the injected boto3 clients and return plain tuples. Move them to
``integrations/aws/acm.py`` / ``autoscaling.py`` and delete this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def certificates(acm: Any) -> list[tuple[str, datetime]]:
    """(domain, not_after) of every certificate."""
    out: list[tuple[str, datetime]] = []
    for page in acm.get_paginator("list_certificates").paginate():
        for summary in page.get("CertificateSummaryList", []):
            detail = acm.describe_certificate(CertificateArn=summary["CertificateArn"])
            cert = detail["Certificate"]
            if cert.get("NotAfter") is not None:
                out.append(
                    (cert.get("DomainName", summary.get("DomainName", "")), cert["NotAfter"])
                )
    return out


def autoscaling_groups(client: Any) -> list[tuple[str, int, int, int]]:
    """(name, min, max, desired) of every group."""
    out: list[tuple[str, int, int, int]] = []
    for page in client.get_paginator("describe_auto_scaling_groups").paginate():
        for g in page.get("AutoScalingGroups", []):
            out.append(
                (
                    g["AutoScalingGroupName"],
                    int(g["MinSize"]),
                    int(g["MaxSize"]),
                    int(g["DesiredCapacity"]),
                )
            )
    return out
