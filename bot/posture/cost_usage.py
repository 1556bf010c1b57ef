"""Compute that costs more than its load needs, judged from CloudWatch over whole days:

* idle EC2: a running instance whose daily average CPU stayed under the rule's threshold on
  every day of the window;
* rightsizing EC2 and RDS: the busiest day's CPU percentile (and memory, where a memory metric
  is published) would still fit one size smaller in the same family, with the saving from the
  price table.

Each check takes its clients' data already read and a ``MetricSource``, and returns findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.posture.cost_model import CostFinding, Notes, finding, money
from bot.posture.pricing import CostRules, PriceTable
from integrations.aws.cost_reads import Database
from integrations.aws.ec2 import Instance
from integrations.metrics.models import MetricRef, MetricSource

DAY_S = 86_400


@dataclass(frozen=True)
class Usage:
    """Whole days of one resource's utilization."""

    daily_avg_cpu: list[float]
    daily_peak_cpu: list[float]  # the rule's percentile, per day
    daily_peak_memory: list[float]  # empty: no memory metric


def _days(now: datetime, days: int) -> tuple[datetime, datetime]:
    """``days`` whole UTC days ending at the last midnight (today is not complete)."""
    end = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end


def _with_memory(
    metrics: MetricSource, memory: tuple[str, str], dimension: str, ids: Sequence[str]
) -> list[str]:
    """The ids that publish the memory metric (one ``list_metrics``: a query for a series
    that does not exist costs as much as one that does)."""
    wanted = set(ids)
    found = {
        info.ref.dimensions.get(dimension)
        for info in metrics.list_metrics([memory[1]])
        if info.ref.namespace == memory[0]
    }
    return [i for i in ids if i in wanted and i in found]


def read_usage(
    metrics: MetricSource,
    namespace: str,
    dimension: str,
    ids: Sequence[str],
    memory: tuple[str, str] | None,
    percentile: float,
    days: int,
    now: datetime,
) -> dict[str, Usage]:
    """Daily average CPU, daily percentile CPU and (with ``memory`` = (namespace, name), for
    the ids that publish it) daily percentile memory of every id, in one batched read."""
    if not ids:
        return {}
    stat = f"p{percentile:g}"
    with_memory = _with_memory(metrics, memory, dimension, ids) if memory is not None else []
    refs = [MetricRef(namespace, "CPUUtilization", {dimension: i}) for i in ids]
    refs += [MetricRef(namespace, "CPUUtilization", {dimension: i}, stat=stat) for i in ids]
    if memory is not None:
        refs += [MetricRef(memory[0], memory[1], {dimension: i}, stat=stat) for i in with_memory]
    start, end = _days(now, days)
    data = metrics.read_many(refs, start, end, DAY_S)
    n = len(ids)
    mem = {i: list(d.values) for i, d in zip(with_memory, data[2 * n :], strict=True)}
    return {
        i: Usage(
            daily_avg_cpu=list(data[k].values),
            daily_peak_cpu=list(data[n + k].values),
            daily_peak_memory=mem.get(i, []),
        )
        for k, i in enumerate(ids)
    }


def _label(inst: Instance) -> str:
    return f"{inst.name} ({inst.instance_id})" if inst.name else inst.instance_id


def idle_instances(
    running: Sequence[Instance], usage: dict[str, Usage], prices: PriceTable, rules: CostRules,
    notes: Notes,
) -> list[CostFinding]:  # fmt: skip
    rule, out, short = rules.idle, [], 0
    for inst in running:
        days = usage[inst.instance_id].daily_avg_cpu
        if len(days) < rule.min_days:
            short += 1
            continue
        if max(days) >= rule.cpu_below_percent:
            continue
        hourly = prices.ec2_hourly.get(inst.instance_type)
        monthly = prices.monthly(hourly) if hourly is not None else None
        cost = f": {money(monthly, prices.currency)}/month" if monthly is not None else ""
        out.append(
            finding(
                rules,
                "idle_instance",
                f"ec2:{inst.instance_id}",
                f"{_label(inst)} ({inst.instance_type}) averaged under "
                f"{rule.cpu_below_percent:g}% CPU on each of the last {len(days)} days "
                f"(highest day {max(days):.1f}%){cost}",
                monthly,
                unpriced=None if hourly is not None else inst.instance_type,
                params={"instance": inst.instance_id},
            )
        )
    if short:
        notes.add(
            f"idle EC2: {short} running instance{'s' * (short != 1)} with under "
            f"{rule.min_days} days of CPU data, not judged"
        )
    return out


def _fits(peaks: list[float], limit: float) -> bool:
    """One size smaller doubles the load: does the busiest day still fit under ``limit``?"""
    return not peaks or 2 * max(peaks) < limit


def _rightsize(
    kind: str,
    resource: str,
    label: str,
    current: str,
    priced: dict[str, float],
    use: Usage,
    prices: PriceTable,
    rules: CostRules,
) -> CostFinding | None:
    rule = rules.rightsizing
    peaks = use.daily_peak_cpu
    if len(peaks) < rule.min_days or not _fits(peaks, rule.max_after_percent):
        return None
    if not _fits(use.daily_peak_memory, rule.max_after_percent):
        return None
    target = rules.smaller(current, priced)
    if target is None:
        return None
    saving = prices.monthly(priced[current] - priced[target]) if current in priced else None
    memory = (
        f", memory p{rule.percentile:g} {max(use.daily_peak_memory):.0f}%"
        if use.daily_peak_memory
        else ""
    )
    cost = f": saves {money(saving, prices.currency)}/month" if saving is not None else ""
    return finding(
        rules,
        f"rightsize_{kind}",
        resource,
        f"{label} ({current}) could be {target}: busiest day's p{rule.percentile:g} CPU "
        f"{max(peaks):.0f}%{memory} over {len(peaks)} days{cost}",
        saving,
        unpriced=None if current in priced else current,
        params={"target": target},
    )


def rightsize_ec2(
    running: Sequence[Instance], usage: dict[str, Usage], idle: set[str], prices: PriceTable,
    rules: CostRules,
) -> list[CostFinding]:  # fmt: skip
    out = []
    for inst in running:
        if inst.instance_id in idle:  # stopping it saves more than shrinking it
            continue
        found = _rightsize(
            "ec2", f"ec2:{inst.instance_id}", _label(inst), inst.instance_type,
            prices.ec2_hourly, usage[inst.instance_id], prices, rules,
        )  # fmt: skip
        if found is not None:
            out.append(found)
    return out


def rightsize_rds(
    dbs: Sequence[Database], usage: dict[str, Usage], prices: PriceTable, rules: CostRules
) -> list[CostFinding]:
    out = []
    for db in dbs:
        found = _rightsize(
            "rds", f"rds:{db.identifier}", f"database {db.identifier}", db.instance_class,
            prices.rds_hourly, usage[db.identifier], prices, rules,
        )  # fmt: skip
        if found is not None:
            out.append(found)
    return out
