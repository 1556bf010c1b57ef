"""Storage and addresses billed for nothing: stopped instances that keep EBS volumes or an
Elastic IP, volumes attached to nothing, addresses associated with nothing, and manual
snapshots older than the rule's age, each priced from the table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.posture.cost_model import CostFinding, finding, money
from bot.posture.pricing import CostRules, PriceTable
from integrations.aws.cost_reads import Snapshot
from integrations.aws.ec2 import Instance
from integrations.aws.ec2_spend import ElasticIp, Volume


def _label(inst: Instance) -> str:
    return f"{inst.name} ({inst.instance_id})" if inst.name else inst.instance_id


def volume_monthly(vols: Sequence[Volume], prices: PriceTable) -> tuple[float, list[str]]:
    """Their monthly price, and the volume types the table has no price for."""
    total, missing = 0.0, []
    for v in vols:
        per_gb = prices.ebs_gb_month.get(v.volume_type)
        if per_gb is None:
            missing.append(v.volume_type)
        else:
            total += v.size_gb * per_gb
    return total, missing


def _gb(vols: Sequence[Volume]) -> str:
    total = sum(v.size_gb for v in vols)
    kinds = ", ".join(sorted({v.volume_type for v in vols}))
    return f"{len(vols)} EBS volume{'s' * (len(vols) != 1)}, {total} GB {kinds}"


def _per_month(amount: float, prices: PriceTable) -> str:
    return f": {money(amount, prices.currency)}/month"


def stopped_with_storage(
    instances: Sequence[Instance], vols: Sequence[Volume] | None,
    eips: Sequence[ElasticIp] | None, prices: PriceTable, rules: CostRules,
) -> list[CostFinding]:  # fmt: skip
    out = []
    for inst in instances:
        if inst.state != "stopped":
            continue
        kept: list[str] = []
        monthly, missing = 0.0, list[str]()
        mine = [v for v in vols or [] if inst.instance_id in v.instance_ids]
        if mine:
            kept.append(_gb(mine))
            cost, missing = volume_monthly(mine, prices)
            monthly += cost
        ips = [e.public_ip for e in eips or [] if e.instance_id == inst.instance_id]
        if ips:
            kept.append(f"Elastic IP {', '.join(ips)}")
            monthly += len(ips) * prices.monthly(prices.elastic_ip_hourly)
        if kept:
            out.append(
                finding(
                    rules,
                    "stopped_with_storage",
                    f"ec2:{inst.instance_id}",
                    f"{_label(inst)} ({inst.instance_type}) is stopped but keeps "
                    + " and ".join(kept)
                    + _per_month(monthly, prices),
                    monthly,
                    unpriced=", ".join(missing) or None,
                )
            )
    return out


def orphans(
    vols: Sequence[Volume] | None, eips: Sequence[ElasticIp] | None, prices: PriceTable,
    rules: CostRules,
) -> list[CostFinding]:  # fmt: skip
    out = []
    for v in vols or []:
        if v.state == "available" and not v.instance_ids:
            monthly, missing = volume_monthly([v], prices)
            out.append(
                finding(
                    rules,
                    "unattached_volume",
                    f"ec2:{v.volume_id}",
                    f"EBS volume {v.volume_id} ({v.size_gb} GB {v.volume_type}) is attached "
                    "to nothing" + ("" if missing else _per_month(monthly, prices)),
                    None if missing else monthly,
                    unpriced=", ".join(missing) or None,
                    params={"volume_id": v.volume_id},
                )
            )
    hourly = prices.elastic_ip_hourly
    for e in eips or []:
        if e.instance_id is None and e.association_id is None:
            out.append(
                finding(
                    rules,
                    "idle_eip",
                    f"ec2:{e.allocation_id or e.public_ip}",
                    f"Elastic IP {e.public_ip} is associated with nothing"
                    + _per_month(prices.monthly(hourly), prices),
                    prices.monthly(hourly),
                )
            )
    return out


def old_snapshots(
    snapshots: Sequence[Snapshot], prices: PriceTable, rules: CostRules, now: datetime
) -> list[CostFinding]:
    """Snapshots started more than ``older_than_days`` ago. An EBS snapshot is incremental,
    so its full size prices it at most; an RDS snapshot is billed for its allocated size."""
    limit = timedelta(days=rules.snapshots.older_than_days)
    out = []
    for snap in sorted(snapshots, key=lambda s: s.started):
        age = now - snap.started
        if age <= limit:
            continue
        monthly = snap.size_gb * prices.snapshot_gb_month[snap.kind]
        bound = "at most " if snap.kind == "ebs" else ""
        what = "EBS snapshot" if snap.kind == "ebs" else "RDS snapshot"
        source = f" of {snap.source}" if snap.source else ""
        out.append(
            finding(
                rules,
                "old_snapshot",
                f"{snap.kind}:{snap.snapshot_id}",
                f"{what} {snap.snapshot_id}{source} ({snap.size_gb} GB) is {age.days} days old"
                f": {bound}{money(monthly, prices.currency)}/month",
                monthly,
                params={"snapshot_id": snap.snapshot_id},
            )
        )
    return out
