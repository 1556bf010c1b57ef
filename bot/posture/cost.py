"""The cost-hygiene audit: waste that can be read without billing access.

Checks (all read-only; no prices are invented, only sizes and types are reported):

* stopped EC2 instances that still keep EBS volumes or an Elastic IP (both are billed while the
  instance is stopped);
* EBS volumes attached to nothing;
* Elastic IPs associated with nothing;
* running instances whose CPU (CloudWatch ``AWS/EC2 CPUUtilization``, hourly) never went above
  ``IDLE_CPU_PERCENT`` over ``IDLE_WINDOW`` (at least ``MIN_POINTS`` hours of data): candidates
  for a smaller type.

A check whose source cannot be read says so; the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from integrations.aws import ec2
from integrations.aws.ec2_spend import ElasticIp, Volume, elastic_ips, volumes
from integrations.metrics.models import MetricRef, MetricSource

log = logging.getLogger(__name__)
T = TypeVar("T")

IDLE_CPU_PERCENT = 10.0
IDLE_WINDOW = timedelta(days=7)
MIN_POINTS = 24
STEP_S = 3600

CHECKED = (
    "stopped instances still carrying EBS volumes or Elastic IPs",
    "unattached EBS volumes",
    "unassociated Elastic IPs",
    f"running instances whose CPU stayed under {IDLE_CPU_PERCENT:g}% for {IDLE_WINDOW.days} days",
)


@dataclass(frozen=True)
class CostFinding:
    check: str  # stopped_with_storage | unattached_volume | idle_eip | idle_instance
    resource: str
    summary: str


@dataclass
class CostAudit:
    findings: list[CostFinding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be read or judged
    instances: int = 0


def _read(what: str, audit: CostAudit, read: Callable[[], T]) -> T | None:
    try:
        return read()
    except Exception as exc:  # AwsError, no credentials, no network: say so, go on
        log.info("cost audit: %s unreadable: %s", what, exc)
        audit.notes.append(f"{what}: could not read ({exc})")
        return None


def _label(inst: ec2.Instance) -> str:
    return f"{inst.name} ({inst.instance_id})" if inst.name else inst.instance_id


def _gb(vols: Sequence[Volume]) -> str:
    total = sum(v.size_gb for v in vols)
    kinds = ", ".join(sorted({v.volume_type for v in vols}))
    return f"{len(vols)} EBS volume{'s' * (len(vols) != 1)}, {total} GB {kinds}"


def _stopped(
    audit: CostAudit,
    instances: list[ec2.Instance],
    vols: list[Volume] | None,
    eips: list[ElasticIp] | None,
) -> None:
    for inst in instances:
        if inst.state != "stopped":
            continue
        kept = []
        if vols is not None:
            mine = [v for v in vols if inst.instance_id in v.instance_ids]
            if mine:
                kept.append(_gb(mine))
        if eips is not None:
            ips = [e.public_ip for e in eips if e.instance_id == inst.instance_id]
            if ips:
                kept.append(f"Elastic IP {', '.join(ips)}")
        if kept:
            audit.findings.append(
                CostFinding(
                    "stopped_with_storage",
                    inst.instance_id,
                    f"{_label(inst)} ({inst.instance_type}) is stopped but keeps "
                    + " and ".join(kept),
                )
            )


def _orphans(audit: CostAudit, vols: list[Volume] | None, eips: list[ElasticIp] | None) -> None:
    for v in vols or []:
        if v.state == "available" and not v.instance_ids:
            audit.findings.append(
                CostFinding(
                    "unattached_volume",
                    v.volume_id,
                    f"EBS volume {v.volume_id} ({v.size_gb} GB {v.volume_type}) is attached "
                    "to nothing",
                )
            )
    for e in eips or []:
        if e.instance_id is None and e.association_id is None:
            audit.findings.append(
                CostFinding(
                    "idle_eip",
                    e.allocation_id or e.public_ip,
                    f"Elastic IP {e.public_ip} is associated with nothing",
                )
            )


def _idle(
    audit: CostAudit, instances: list[ec2.Instance], cpu: MetricSource | None, now: datetime
) -> None:
    running = [i for i in instances if i.state == "running"]
    if not running:
        return
    if cpu is None:
        audit.notes.append("CPU: no CloudWatch source configured")
        return
    refs = [MetricRef("AWS/EC2", "CPUUtilization", {"InstanceId": i.instance_id}) for i in running]
    source = cpu
    series = _read(
        "CPU metrics", audit, lambda: source.read_many(refs, now - IDLE_WINDOW, now, STEP_S)
    )
    if series is None:
        return
    short = 0
    for inst, data in zip(running, series, strict=True):
        if len(data) < MIN_POINTS:
            short += 1
            continue
        peak = max(data.values)
        if peak < IDLE_CPU_PERCENT:
            audit.findings.append(
                CostFinding(
                    "idle_instance",
                    inst.instance_id,
                    f"{_label(inst)} ({inst.instance_type}) peaked at {peak:.1f}% CPU over "
                    f"{IDLE_WINDOW.days} days: a smaller type may do",
                )
            )
    if short:
        audit.notes.append(
            f"CPU: {short} running instance{'s' * (short != 1)} with under {MIN_POINTS} hours "
            "of data, not judged"
        )


def cost_audit(ec2_client: Any, cpu: MetricSource | None, now: datetime) -> CostAudit:
    """Run every check; ``cpu`` is the CloudWatch metric source (None: skip the CPU check)."""
    audit = CostAudit()
    instances = _read("EC2 instances", audit, lambda: ec2.describe_instances(ec2_client))
    vols = _read("EBS volumes", audit, lambda: volumes(ec2_client))
    eips = _read("Elastic IPs", audit, lambda: elastic_ips(ec2_client))
    audit.instances = len(instances or [])
    _stopped(audit, instances or [], vols, eips)
    _orphans(audit, vols, eips)
    _idle(audit, instances or [], cpu, now)
    return audit


def render(audit: CostAudit, *, max_listed: int = 25) -> str:
    n = len(audit.findings)
    lines = [
        f"*Cost hygiene audit*: {n} finding{'s' * (n != 1)} over {audit.instances} EC2 "
        f"instance{'s' * (audit.instances != 1)}"
    ]
    lines += [f":moneybag: {f.summary}" for f in audit.findings[:max_listed]]
    if n > max_listed:
        lines.append(f"… and {n - max_listed} more")
    if not n:
        lines.append("Nothing found.")
    lines.append("_Checked: " + "; ".join(CHECKED) + ". No prices: sizes and types only._")
    lines += [f":x: {note}" for note in audit.notes]
    return "\n".join(lines)
