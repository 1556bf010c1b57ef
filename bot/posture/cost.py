"""The cost audit: waste with a monthly price, and what Cost Explorer says about spend.

Checks (all read-only; prices from the dated table ``prices.yaml``, judgement from
``cost_rules.yaml``, both overridable):

* idle EC2 and rightsizing of EC2 and RDS from CloudWatch over whole days (``cost_usage``);
* Lambda memory over-provisioning from the ``REPORT`` log lines (``cost_lambda``);
* old EBS and RDS snapshots, unattached volumes, unassociated addresses, stopped instances
  keeping storage (``cost_storage``);
* spend by service and the last day's anomalies from Cost Explorer (``cost_spend``).

A check whose source cannot be read says so in the notes; the others still run. The checks
take clients and settings as arguments, so they run the same over one account or many.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from bot.posture.cost_lambda import lambda_memory
from bot.posture.cost_model import CostAudit, CostFinding, Notes, Spend
from bot.posture.cost_spend import spend
from bot.posture.cost_storage import old_snapshots, orphans, stopped_with_storage
from bot.posture.cost_usage import Usage, idle_instances, read_usage, rightsize_ec2, rightsize_rds
from bot.posture.pricing import CostRules, PriceTable
from integrations.aws import cost_explorer, cost_reads, ec2
from integrations.aws.ec2_spend import elastic_ips, volumes
from integrations.metrics.models import MetricSource

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = ["CostAudit", "CostFinding", "CostSources", "Spend", "cost_audit"]


@dataclass(frozen=True)
class CostSources:
    """The clients one account and region is read through (None: that part is skipped)."""

    ec2: Any
    metrics: MetricSource | None = None  # CloudWatch
    rds: Any = None
    lambda_: Any = None
    logs: Any = None
    ce: Any = None  # Cost Explorer

    @classmethod
    def of(cls, clients: Any, metrics: MetricSource | None) -> CostSources:
        """From an ``AwsClients``."""
        return cls(
            ec2=clients.ec2,
            metrics=metrics,
            rds=getattr(clients, "rds", None),
            lambda_=getattr(clients, "lambda_", None),
            logs=getattr(clients, "logs", None),
            ce=getattr(clients, "ce", None),
        )


def _read(what: str, notes: Notes, read: Callable[[], T]) -> T | None:
    try:
        return read()
    except Exception as exc:  # AwsError, no credentials, no network: say so, go on
        log.info("cost audit: %s unreadable: %s", what, exc)
        notes.add(f"{what}: could not read ({exc})")
        return None


def _compute(
    audit: CostAudit, src: CostSources, instances: list[ec2.Instance], rules: CostRules,
    now: datetime,
) -> None:  # fmt: skip
    running = [i for i in instances if i.state == "running"]
    dbs: list[cost_reads.Database] = []
    if src.rds is not None:
        found = _read("RDS instances", audit.notes, lambda: cost_reads.databases(src.rds))
        dbs = [d for d in found or [] if d.status == "available"]
    if not running and not dbs:
        return
    if src.metrics is None:
        audit.notes.add("CPU: no CloudWatch source configured")
        return
    metrics, rule = src.metrics, rules.rightsizing
    days = max(rules.idle.days, rule.days)

    def usage(namespace: str, dim: str, ids: list[str], kind: str) -> dict[str, Usage] | None:
        memory = rule.memory.get(kind)
        mem = (memory.namespace, memory.name) if memory else None
        return _read(
            f"{kind.upper()} metrics", audit.notes,
            lambda: read_usage(metrics, namespace, dim, ids, mem, rule.percentile, days, now),
        )  # fmt: skip

    ec2_use = usage("AWS/EC2", "InstanceId", [i.instance_id for i in running], "ec2")
    if ec2_use is not None and running:
        idle = idle_instances(running, ec2_use, audit.prices, rules, audit.notes)
        audit.findings += idle
        gone = {f.resource.removeprefix("ec2:") for f in idle}
        audit.findings += rightsize_ec2(running, ec2_use, gone, audit.prices, rules)
    rds_use = usage("AWS/RDS", "DBInstanceIdentifier", [d.identifier for d in dbs], "rds")
    if rds_use is not None and dbs:
        audit.findings += rightsize_rds(dbs, rds_use, audit.prices, rules)


def _lambdas(audit: CostAudit, src: CostSources, rules: CostRules, now: datetime) -> None:
    if src.lambda_ is None or src.logs is None:
        return
    fns = _read("Lambda functions", audit.notes, lambda: cost_reads.functions(src.lambda_))
    if not fns:
        return

    def read(name: str, start: datetime, end: datetime) -> list[cost_reads.Invocation]:
        runs = _read(
            f"Lambda {name} logs", audit.notes,
            lambda: cost_reads.invocations(src.logs, name, start, end),
        )  # fmt: skip
        return runs or []

    audit.findings += lambda_memory(fns, read, audit.prices, rules, now, audit.notes)


def _snapshots(audit: CostAudit, src: CostSources, rules: CostRules, now: datetime) -> None:
    snaps = _read("EBS snapshots", audit.notes, lambda: cost_reads.ebs_snapshots(src.ec2)) or []
    if src.rds is not None:
        snaps += (
            _read("RDS snapshots", audit.notes, lambda: cost_reads.rds_snapshots(src.rds)) or []
        )
    audit.findings += old_snapshots(snaps, audit.prices, rules, now)


def cost_audit(src: CostSources, now: datetime, prices: PriceTable, rules: CostRules) -> CostAudit:
    """Run every check over one account and region."""
    audit = CostAudit(prices=prices)
    notes = audit.notes
    instances = _read("EC2 instances", notes, lambda: ec2.describe_instances(src.ec2)) or []
    vols = _read("EBS volumes", notes, lambda: volumes(src.ec2))
    eips = _read("Elastic IPs", notes, lambda: elastic_ips(src.ec2))
    audit.instances = len(instances)
    audit.findings += stopped_with_storage(instances, vols, eips, prices, rules)
    audit.findings += orphans(vols, eips, prices, rules)
    _snapshots(audit, src, rules, now)
    _compute(audit, src, instances, rules, now)
    _lambdas(audit, src, rules, now)
    if src.ce is not None:
        ce = src.ce
        audit.spend = spend(
            lambda start, end: cost_explorer.daily_cost_by_service(ce, start, end),
            now.date(),
            rules.anomaly,
        )
    return audit
