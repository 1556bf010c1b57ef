"""Seed metric data (``put_metric_data``, 1000 points a call) and CloudWatch Logs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.aws.moto_server import backend
from sandbox.metricgen import Series
from sandbox.scenario_models import LogSource

BATCH = 1000
LOG_STREAM = "sandbox"
CLOUDWATCH_UNITS = frozenset(
    """Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits
    Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second
    Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second
    Megabits/Second Gigabits/Second Terabits/Second Count/Second None""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class ExpandedLine:
    at: datetime
    level: str
    text: str


def map_dimensions(dimensions: Mapping[str, str], refs: Mapping[str, str]) -> dict[str, str]:
    """Dimension values that name an ``id_ref`` become the real id the sandbox assigned."""
    return {name: refs.get(value, value) for name, value in dimensions.items()}


def put_series(
    cloudwatch: Any,
    series: Iterable[Series],
    refs: Mapping[str, str],
    *,
    after: Mapping[str, datetime] | None = None,
) -> dict[str, datetime]:
    """Publish every point, or those after ``after[id]``; returns the last time per id."""
    per_namespace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    last: dict[str, datetime] = {}
    for one in series:
        dims = [{"Name": k, "Value": v} for k, v in map_dimensions(one.dimensions, refs).items()]
        since = (after or {}).get(one.id)
        for ts, value in zip(one.timestamps, one.values, strict=True):
            if since is not None and ts <= since:
                continue
            datum: dict[str, Any] = {
                "MetricName": one.name,
                "Dimensions": dims,
                "Timestamp": ts,
                "Value": value,
            }
            if one.unit in CLOUDWATCH_UNITS:
                datum["Unit"] = one.unit
            per_namespace[one.namespace].append(datum)
            last[one.id] = ts
    for namespace, data in per_namespace.items():
        for start in range(0, len(data), BATCH):
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + BATCH])
    return last


def expand_lines(source: LogSource, now: datetime) -> list[ExpandedLine]:
    """Every line of a source with ``repeat``/``every`` unrolled, in time order (stable)."""
    lines: list[ExpandedLine] = []
    for line in source.lines:
        first = now + line.at
        for i in range(line.repeat):
            at = first + i * line.every if line.every is not None else first
            lines.append(ExpandedLine(at=at, level=line.level, text=line.text))
    lines.sort(key=lambda item: item.at)
    return lines


def cloudwatch_group(source: str) -> str | None:
    prefix = "cloudwatch:"
    return source[len(prefix) :] if source.startswith(prefix) else None


def seed_logs(logs: Any, region: str, sources: Sequence[LogSource], now: datetime) -> int:
    """Create a group per ``cloudwatch:<group>`` source with one stream, and its events.

    moto rejects events older than 14 days of the real clock, and scenarios live in the past,
    so the events go into moto's in-process backend after the group and stream were created
    through the API.
    """
    count = 0
    store = backend("logs", region)
    for source in sources:
        group = cloudwatch_group(source.source)
        if group is None:
            continue
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName=LOG_STREAM)
        events = [
            {"timestamp": int(line.at.timestamp() * 1000), "message": line.text}
            for line in expand_lines(source, now)
        ]
        stream = store.groups[group].streams[LOG_STREAM]
        for start in range(0, len(events), 10_000):
            stream.put_log_events(events[start : start + 10_000])
        count += len(events)
    return count
