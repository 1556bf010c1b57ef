"""GuardDuty and Inspector findings as typed records; ``None`` when the service is not
enabled in the account and region (no GuardDuty detector; Inspector's account status not
``ENABLED``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from integrations.aws.errors import aws_errors

#: GetFindings takes at most this many ids per call
_GET_BATCH = 50


@dataclass(frozen=True)
class ThreatFinding:
    source: str  # "guardduty" | "inspector"
    id: str
    type: str
    title: str
    severity: float | None  # GuardDuty's number (0.1–10)
    label: str | None  # Inspector's label (CRITICAL, HIGH, …)
    resource_type: str
    resource: str
    count: int
    last_seen: datetime | None
    detail: str = ""  # e.g. the CVE


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


def _gd_resource(resource: dict[str, Any]) -> str:
    if (instance := resource.get("InstanceDetails")) and instance.get("InstanceId"):
        return str(instance["InstanceId"])
    if buckets := resource.get("S3BucketDetails"):
        return ", ".join(str(b.get("Name")) for b in buckets)
    if (key := resource.get("AccessKeyDetails")) and key.get("UserName"):
        return str(key["UserName"])
    return str(resource.get("ResourceType") or "?")


def guardduty_findings(client: Any) -> list[ThreatFinding] | None:
    """Current (not archived) findings of every detector here, or None without a detector."""
    detectors: list[str] = []
    with aws_errors("GuardDuty findings"):
        for page in client.get_paginator("list_detectors").paginate():
            detectors += page.get("DetectorIds", [])
        if not detectors:
            return None
        out = []
        for detector in detectors:
            ids: list[str] = []
            criteria = {"Criterion": {"service.archived": {"Eq": ["false"]}}}
            pages = client.get_paginator("list_findings").paginate(
                DetectorId=detector, FindingCriteria=criteria
            )
            for page in pages:
                ids += page.get("FindingIds", [])
            for start in range(0, len(ids), _GET_BATCH):
                batch = ids[start : start + _GET_BATCH]
                got = client.get_findings(DetectorId=detector, FindingIds=batch)
                for f in got.get("Findings", []):
                    service = f.get("Service") or {}
                    out.append(
                        ThreatFinding(
                            source="guardduty",
                            id=str(f["Id"]),
                            type=str(f.get("Type") or ""),
                            title=str(f.get("Title") or f.get("Type") or ""),
                            severity=float(f.get("Severity") or 0),
                            label=None,
                            resource_type=str((f.get("Resource") or {}).get("ResourceType", "")),
                            resource=_gd_resource(f.get("Resource") or {}),
                            count=int(service.get("Count") or 1),
                            last_seen=_when(f.get("UpdatedAt")),
                        )
                    )
    return out


def inspector_findings(client: Any) -> list[ThreatFinding] | None:
    """Active Inspector findings, or None when Inspector is not enabled for this account."""
    with aws_errors("Inspector findings"):
        status = client.batch_get_account_status()
        states = [a.get("state", {}).get("status") for a in status.get("accounts", [])]
        if "ENABLED" not in states:
            return None
        out = []
        criteria = {"findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}]}
        for page in client.get_paginator("list_findings").paginate(filterCriteria=criteria):
            for f in page.get("findings", []):
                resources = f.get("resources") or [{}]
                vuln = (f.get("packageVulnerabilityDetails") or {}).get("vulnerabilityId", "")
                out.append(
                    ThreatFinding(
                        source="inspector",
                        id=str(f["findingArn"]),
                        type=str(f.get("type") or ""),
                        title=str(f.get("title") or ""),
                        severity=None,
                        label=str(f.get("severity") or "UNTRIAGED"),
                        resource_type=str(resources[0].get("type", "")),
                        resource=str(resources[0].get("id", "?")),
                        count=1,
                        last_seen=_when(f.get("lastObservedAt")),
                        detail=str(vuln),
                    )
                )
    return out
