"""Reads the cost audit needs beyond volumes and addresses (``ec2_spend``): EBS and RDS
snapshots, RDS instances, Lambda functions and their ``REPORT`` log lines, all read-only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from integrations.aws.errors import aws_errors


@dataclass(frozen=True)
class Snapshot:
    kind: str  # ebs | rds
    snapshot_id: str
    size_gb: int
    started: datetime  # aware UTC
    source: str  # the volume or database it was taken from


@dataclass(frozen=True)
class Database:
    identifier: str
    instance_class: str
    engine: str
    status: str


@dataclass(frozen=True)
class Function:
    name: str
    memory_mb: int
    architecture: str  # x86_64 | arm64


@dataclass(frozen=True)
class Invocation:
    """One Lambda ``REPORT`` line: what the run was billed for and the memory it peaked at."""

    billed_ms: float
    memory_mb: int
    max_used_mb: int


def _pages(paginator: Any, key: str, **request: Any) -> Iterator[dict[str, Any]]:
    for page in paginator.paginate(**request):
        yield from page.get(key, [])


def _aware(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def ebs_snapshots(client: Any) -> list[Snapshot]:
    """Snapshots this account owns (``OwnerIds=["self"]``)."""
    with aws_errors("EBS snapshots", unreachable=True):
        return [
            Snapshot(
                kind="ebs",
                snapshot_id=raw["SnapshotId"],
                size_gb=int(raw.get("VolumeSize") or 0),
                started=_aware(raw["StartTime"]),
                source=str(raw.get("VolumeId") or ""),
            )
            for raw in _pages(
                client.get_paginator("describe_snapshots"), "Snapshots", OwnerIds=["self"]
            )
        ]


def rds_snapshots(client: Any) -> list[Snapshot]:
    """Manual DB snapshots (automated ones expire with the retention period on their own)."""
    with aws_errors("RDS snapshots", unreachable=True):
        return [
            Snapshot(
                kind="rds",
                snapshot_id=raw["DBSnapshotIdentifier"],
                size_gb=int(raw.get("AllocatedStorage") or 0),
                started=_aware(raw.get("SnapshotCreateTime") or raw["InstanceCreateTime"]),
                source=str(raw.get("DBInstanceIdentifier") or ""),
            )
            for raw in _pages(
                client.get_paginator("describe_db_snapshots"), "DBSnapshots", SnapshotType="manual"
            )
        ]


def databases(client: Any) -> list[Database]:
    with aws_errors("RDS instances", unreachable=True):
        return [
            Database(
                identifier=raw["DBInstanceIdentifier"],
                instance_class=str(raw.get("DBInstanceClass") or ""),
                engine=str(raw.get("Engine") or ""),
                status=str(raw.get("DBInstanceStatus") or ""),
            )
            for raw in _pages(client.get_paginator("describe_db_instances"), "DBInstances")
        ]


def functions(client: Any) -> list[Function]:
    with aws_errors("Lambda functions", unreachable=True):
        return [
            Function(
                name=raw["FunctionName"],
                memory_mb=int(raw.get("MemorySize") or 128),
                architecture=str((raw.get("Architectures") or ["x86_64"])[0]),
            )
            for raw in _pages(client.get_paginator("list_functions"), "Functions")
        ]


_REPORT = re.compile(
    r"Billed Duration:\s*(?P<billed>[\d.]+)\s*ms.*?Memory Size:\s*(?P<size>\d+)\s*MB"
    r".*?Max Memory Used:\s*(?P<used>\d+)\s*MB",
    re.S,
)


def parse_report(message: str) -> Invocation | None:
    """``REPORT RequestId: … Billed Duration: 4 ms Memory Size: 1024 MB Max Memory Used: 70
    MB`` (the line Lambda writes after every invocation), or None for any other line."""
    if not message.startswith("REPORT"):
        return None
    found = _REPORT.search(message)
    if found is None:
        return None
    return Invocation(
        billed_ms=float(found["billed"]),
        memory_mb=int(found["size"]),
        max_used_mb=int(found["used"]),
    )


def invocations(
    client: Any, function: str, start: datetime, end: datetime, *, limit: int = 50_000
) -> list[Invocation]:
    """The ``REPORT`` lines of ``/aws/lambda/<function>`` in ``[start, end]`` (an absent log
    group: none)."""
    request: dict[str, Any] = {
        "logGroupName": f"/aws/lambda/{function}",
        "startTime": int(start.timestamp() * 1000),
        "endTime": int(end.timestamp() * 1000),
        "filterPattern": "REPORT",
    }
    out: list[Invocation] = []  # an absent log group: none
    what = f"logs of {function}"
    with aws_errors(what, absent="ResourceNotFoundException", unreachable=True):
        out = _reports(client, request, limit)
    return out[:limit]


def _reports(client: Any, request: dict[str, Any], limit: int) -> list[Invocation]:
    out: list[Invocation] = []
    while len(out) < limit:
        page = client.filter_log_events(**request)
        for event in page.get("events", []):
            parsed = parse_report(str(event.get("message", "")))
            if parsed is not None:  # the filter is a hint; the parse decides
                out.append(parsed)
        token = page.get("nextToken")
        if not token or not page.get("events"):
            break
        request["nextToken"] = token
    return out
