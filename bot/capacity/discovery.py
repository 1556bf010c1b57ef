"""Discovery: every disk-, memory-, CPU-, connection- and queue-like series a metric source has
(every RDS instance, every node, every volume), turned into watched resources.

A series that is a percentage is watched as is. A count needs its capacity (connections vs the
DB's ``max_connections``, queue depth vs a configured limit), looked up in ``limits[metric][id]``;
without one it is left out (a count with no ceiling has no "90 %").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bot.capacity.models import ResourceKind, WatchedResource
from integrations.metrics.models import MetricInfo, MetricSource
from integrations.metrics.naming import snake

# how a resource is named from its dimensions / labels, most specific first
ID_KEYS = (
    "DBInstanceIdentifier", "InstanceId", "NodeName", "node", "QueueName", "VolumeId",
    "CacheClusterId", "ClusterName", "ServiceName", "FunctionName", "instance",
)  # fmt: skip


@dataclass(frozen=True)
class Rule:
    name: str  # CloudWatch metric name (matched in snake case, so Prometheus names match too)
    kind: ResourceKind
    percent: bool = True  # False: a count that needs limits[name][id]
    invert: bool = False


RULES: tuple[Rule, ...] = (
    Rule("disk_used_percent", ResourceKind.DISK),
    Rule("node_filesystem_utilization", ResourceKind.DISK),
    Rule("FreeStorageSpace", ResourceKind.DISK, percent=False, invert=True),
    Rule("mem_used_percent", ResourceKind.MEMORY),
    Rule("MemoryUtilization", ResourceKind.MEMORY),
    Rule("node_memory_utilization", ResourceKind.MEMORY),
    Rule("FreeableMemory", ResourceKind.MEMORY, percent=False, invert=True),
    Rule("CPUUtilization", ResourceKind.CPU),
    Rule("node_cpu_utilization", ResourceKind.CPU),
    Rule("DatabaseConnections", ResourceKind.CONNECTIONS, percent=False),
    Rule("CurrConnections", ResourceKind.CONNECTIONS, percent=False),
    Rule("ApproximateNumberOfMessagesVisible", ResourceKind.QUEUE, percent=False),
)
_BY_NAME = {snake(r.name): r for r in RULES}


def resource_id(info: MetricInfo) -> str:
    dims = info.ref.dimensions
    lowered = {snake(k): v for k, v in dims.items()}
    for key in ID_KEYS:
        if key in dims:
            return dims[key]
        if snake(key) in lowered:
            return lowered[snake(key)]
    return ",".join(f"{k}={v}" for k, v in sorted(dims.items())) or info.ref.name


def describe(kind: ResourceKind, info: MetricInfo, aliases: Mapping[str, str]) -> str:
    rid = resource_id(info)
    who = aliases.get(rid, rid)
    dims = {snake(k): v for k, v in info.ref.dimensions.items()}
    where = f" {dims['path']}" if kind is ResourceKind.DISK and "path" in dims else ""
    return f"{kind.value}{where} on {who}"


def discover(
    source: MetricSource,
    *,
    source_name: str = "default",
    limits: Mapping[str, Mapping[str, float]] | None = None,
    aliases: Mapping[str, str] | None = None,
    template: WatchedResource | None = None,
) -> list[WatchedResource]:
    """Watched resources for every matching series of ``source``.

    ``aliases`` maps ids to friendly names (an EC2 instance id to its Name tag); ``template``
    carries the default thresholds and step.
    """
    limits = {snake(k): v for k, v in (limits or {}).items()}
    aliases = aliases or {}
    found = source.list_metrics([r.name for r in RULES])
    out: list[WatchedResource] = []
    for info in found:
        rule = _BY_NAME.get(snake(info.ref.name))
        if rule is None:
            continue
        capacity = None
        if not rule.percent:
            capacity = limits.get(snake(rule.name), {}).get(resource_id(info))
            if capacity is None or capacity <= 0:
                continue
        ref = replace(info.ref, stat="Average" if rule.percent or rule.invert else "Maximum")
        base = template or WatchedResource(name="", kind=rule.kind, ref=ref)
        out.append(
            replace(
                base,
                name=describe(rule.kind, info, aliases),
                kind=rule.kind,
                ref=ref,
                capacity=capacity,
                invert=rule.invert,
                source=source_name,
                service=info.ref.service or info.labels.get("service"),
                origin="discovery",
            )
        )
    return out


def merge(
    configured: Sequence[WatchedResource], found: Sequence[WatchedResource]
) -> list[WatchedResource]:
    """Configured resources win over discovered ones for the same series."""
    seen = {(r.source, r.ref.key) for r in configured}
    names = {r.name for r in configured}
    extra = [r for r in found if (r.source, r.ref.key) not in seen and r.name not in names]
    return [*configured, *extra]
