"""CloudWatch metrics through an injected boto3 ``cloudwatch`` client (``get_metric_data``,
up to 500 queries a call, every page; ``list_metrics`` for discovery)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from integrations.metrics.models import (
    BadMetricQuery,
    MetricData,
    MetricInfo,
    MetricRef,
    MetricSourceUnavailable,
    check_range,
)

MAX_QUERIES = 500  # GetMetricData's limit per call


def _query(index: int, ref: MetricRef, step_seconds: int) -> dict[str, Any]:
    return {
        "Id": f"m{index}",
        "MetricStat": {
            "Metric": {
                "Namespace": ref.namespace,
                "MetricName": ref.name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in ref.dimensions.items()],
            },
            "Period": step_seconds,
            "Stat": ref.stat,
        },
        "ReturnData": True,
    }


def _convert(exc: Exception, what: str) -> Exception:
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        message = exc.response.get("Error", {}).get("Message", "")
        if code in ("ValidationError", "InvalidParameterValue", "InvalidParameterCombination"):
            return BadMetricQuery(f"CloudWatch refused {what}: {message or code}")
        return MetricSourceUnavailable(f"CloudWatch failed on {what}: {code} {message}".strip())
    return MetricSourceUnavailable(f"CloudWatch did not answer for {what}: {exc}")


class CloudWatchMetrics:
    """The CloudWatch backend of ``MetricSource``."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def read(self, ref: MetricRef, start: datetime, end: datetime, step_seconds: int) -> MetricData:
        return self.read_many([ref], start, end, step_seconds)[0]

    def read_many(
        self, refs: Sequence[MetricRef], start: datetime, end: datetime, step_seconds: int
    ) -> list[MetricData]:
        check_range(start, end, step_seconds)
        out: list[MetricData] = []
        for first in range(0, len(refs), MAX_QUERIES):
            out.extend(self._batch(refs[first : first + MAX_QUERIES], start, end, step_seconds))
        return out

    def _batch(
        self, refs: Sequence[MetricRef], start: datetime, end: datetime, step_seconds: int
    ) -> list[MetricData]:
        request: dict[str, Any] = {
            "MetricDataQueries": [_query(i, r, step_seconds) for i, r in enumerate(refs)],
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        points: list[dict[datetime, float]] = [{} for _ in refs]
        what = refs[0].key if len(refs) == 1 else f"{len(refs)} metrics"
        try:
            while True:
                page = self.client.get_metric_data(**request)
                for result in page.get("MetricDataResults", []):
                    index = int(str(result["Id"])[1:])
                    points[index].update(zip(result["Timestamps"], result["Values"], strict=True))
                token = page.get("NextToken")
                if not token:
                    break
                request["NextToken"] = token
        except (ClientError, BotoCoreError) as exc:
            raise _convert(exc, what) from exc
        out = []
        for ref, found in zip(refs, points, strict=True):
            ordered = sorted((ts.astimezone(UTC), float(v)) for ts, v in found.items())
            out.append(MetricData(ref, [t for t, _ in ordered], [v for _, v in ordered]))
        return out

    def list_metrics(self, names: Sequence[str] = ()) -> list[MetricInfo]:
        """Every metric (all namespaces), or only those with one of ``names``."""
        found: list[MetricInfo] = []
        requests: list[dict[str, Any]] = [{"MetricName": n} for n in names] or [{}]
        try:
            for request in requests:
                for page in self.client.get_paginator("list_metrics").paginate(**request):
                    for metric in page.get("Metrics", []):
                        dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
                        ref = MetricRef(metric["Namespace"], metric["MetricName"], dims)
                        found.append(MetricInfo(ref, dict(dims)))
        except (ClientError, BotoCoreError) as exc:
            raise _convert(exc, "list_metrics") from exc
        unique = {info.ref.key: info for info in found}
        return [unique[k] for k in sorted(unique)]
