"""CloudWatch metrics and alarm history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrations.aws.errors import aws_errors


@dataclass(frozen=True)
class MetricQuery:
    namespace: str
    name: str
    start: datetime
    end: datetime
    dimensions: dict[str, str] = field(default_factory=dict)
    stat: str = "Average"
    period_seconds: int = 60


@dataclass(frozen=True)
class MetricSeries:
    namespace: str
    name: str
    dimensions: dict[str, str]
    stat: str
    timestamps: list[datetime]
    values: list[float]

    @property
    def last(self) -> float | None:
        return self.values[-1] if self.values else None


@dataclass(frozen=True)
class AlarmChange:
    alarm: str
    at: datetime
    summary: str
    data: str


def read_series(client: Any, query: MetricQuery) -> MetricSeries:
    """One metric as oldest-first timestamps and values (``get_metric_data``, all pages)."""
    request: dict[str, Any] = {
        "MetricDataQueries": [
            {
                "Id": "m0",
                "MetricStat": {
                    "Metric": {
                        "Namespace": query.namespace,
                        "MetricName": query.name,
                        "Dimensions": [
                            {"Name": k, "Value": v} for k, v in query.dimensions.items()
                        ],
                    },
                    "Period": query.period_seconds,
                    "Stat": query.stat,
                },
                "ReturnData": True,
            }
        ],
        "StartTime": query.start,
        "EndTime": query.end,
        "ScanBy": "TimestampAscending",
    }
    points: dict[datetime, float] = {}
    with aws_errors(f"metric {query.namespace}/{query.name}"):
        while True:
            page = client.get_metric_data(**request)
            for result in page.get("MetricDataResults", []):
                points.update(zip(result["Timestamps"], result["Values"], strict=True))
            token = page.get("NextToken")
            if not token:
                break
            request["NextToken"] = token
    ordered = sorted(points.items())
    return MetricSeries(
        namespace=query.namespace,
        name=query.name,
        dimensions=dict(query.dimensions),
        stat=query.stat,
        timestamps=[ts for ts, _ in ordered],
        values=[float(v) for _, v in ordered],
    )


def alarm_history(
    client: Any, start: datetime, end: datetime, alarm: str | None = None
) -> list[AlarmChange]:
    """State changes of alarms in ``[start, end]``, oldest first."""
    request: dict[str, Any] = {
        "StartDate": start,
        "EndDate": end,
        "HistoryItemType": "StateUpdate",
        "ScanBy": "TimestampAscending",
    }
    if alarm:
        request["AlarmName"] = alarm
    changes: list[AlarmChange] = []
    with aws_errors("alarm history"):
        while True:
            page = client.describe_alarm_history(**request)
            for item in page.get("AlarmHistoryItems", []):
                changes.append(
                    AlarmChange(
                        alarm=item["AlarmName"],
                        at=item["Timestamp"],
                        summary=item.get("HistorySummary", ""),
                        data=item.get("HistoryData", ""),
                    )
                )
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
    return sorted(changes, key=lambda c: c.at)
