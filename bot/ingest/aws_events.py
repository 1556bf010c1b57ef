"""What arrives inside an SNS Notification: a CloudWatch alarm state change (classic SNS alarm
action), or an EventBridge event (CloudWatch alarm, DevOps Guru insight, Synthetics canary run,
AWS Health event) → ``AlertIn``.

CloudWatch alarms carry no labels of their own; ``AlarmDescription`` may: its first line is the
summary and any later ``key=value`` (or ``key: value``) line is a label (``service=orders-db``,
``severity=critical``, ``env=prod``). Metric dimensions become labels too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.ingest.models import (
    AlertIn,
    BadPayload,
    fingerprint_of,
    parse_time,
    require,
    service_of,
    severity_of,
)
from bot.ingest.wire import load_json

_LABEL_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.-]{0,62})\s*[=:]\s*(.+?)\s*$")


def _list(value: Any, what: str) -> list[Any]:
    """An optional JSON array: absent → []; any other type → BadPayload naming the field."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadPayload(f"{what}: expected a list")
    return value


def _obj(value: Any, what: str) -> dict[str, Any]:
    """An optional JSON object: absent → {}; any other type → BadPayload naming the field."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadPayload(f"{what}: expected an object")
    return value


def _opt_text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise BadPayload(f"{what}: expected a string")


def description_labels(text: str | None) -> tuple[str, dict[str, str]]:
    if not text:
        return "", {}
    lines = text.splitlines()
    summary: list[str] = []
    labels: dict[str, str] = {}
    for line in lines:
        m = _LABEL_LINE.match(line)
        if m and summary:
            labels[m.group(1).lower()] = m.group(2)
        elif line.strip():
            summary.append(line.strip())
    return " ".join(summary), labels


def _dims(items: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(items, list):
        for d in items:
            if isinstance(d, dict):
                name = d.get("name") or d.get("Name")
                value = d.get("value") or d.get("Value")
                if name and value is not None:
                    out[str(name).lower()] = str(value)
    elif isinstance(items, dict):
        out.update({str(k).lower(): str(v) for k, v in items.items()})
    return out


def _alarm(
    *,
    name: str,
    state: str,
    description: str | None,
    reason: str,
    at: Any,
    arn: str,
    dims: dict[str, str],
    source: str,
) -> list[AlertIn]:
    if state == "INSUFFICIENT_DATA":
        return []
    if state not in ("ALARM", "OK"):
        raise BadPayload(f"unknown alarm state {state!r}")
    summary, labels = description_labels(description)
    region = arn.split(":")[3] if arn.count(":") >= 5 else ""
    merged = {**dims, **({"region": region} if region else {}), **labels}
    when = parse_time(at, "StateChangeTime")
    status = "firing" if state == "ALARM" else "resolved"
    return [
        AlertIn(
            source=source,
            fingerprint=fingerprint_of(arn or name),
            name=name[:255],
            status=status,
            severity=severity_of(merged.pop("severity", None), "warning"),
            service=service_of(merged),
            summary=summary or reason,
            labels=merged,
            annotations={"reason": reason, "alarm_arn": arn},
            starts_at=when if status == "firing" else None,
            ends_at=when if status == "resolved" else None,
            external_id=arn or None,
        )
    ]


def cloudwatch_alarm(msg: dict[str, Any]) -> list[AlertIn]:
    trigger = _obj(msg.get("Trigger"), "Message.Trigger")
    dims = _dims(trigger.get("Dimensions"))
    for metric in _list(trigger.get("Metrics"), "Message.Trigger.Metrics"):  # metric math
        stat = metric.get("MetricStat") if isinstance(metric, dict) else None
        if isinstance(stat, dict) and isinstance(stat.get("Metric"), dict):
            dims.update(_dims(stat["Metric"].get("Dimensions")))
    return _alarm(
        name=require(msg, "AlarmName", "Message."),
        state=require(msg, "NewStateValue", "Message."),
        description=_opt_text(msg.get("AlarmDescription"), "Message.AlarmDescription"),
        reason=str(msg.get("NewStateReason") or ""),
        at=msg.get("StateChangeTime"),
        arn=str(msg.get("AlarmArn") or ""),
        dims=dims,
        source="cloudwatch",
    )


def _eb_alarm(event: dict[str, Any], detail: dict[str, Any]) -> list[AlertIn]:
    state = require(detail, "state", "detail.", dict)
    config = _obj(detail.get("configuration"), "detail.configuration")
    dims: dict[str, str] = {}
    for metric in _list(config.get("metrics"), "detail.configuration.metrics"):
        stat = metric.get("metricStat") if isinstance(metric, dict) else None
        if isinstance(stat, dict) and isinstance(stat.get("metric"), dict):
            dims.update(_dims(stat["metric"].get("dimensions")))
    resources = _list(event.get("resources"), "resources") or [""]
    return _alarm(
        name=require(detail, "alarmName", "detail."),
        state=require(state, "value", "detail.state."),
        description=_opt_text(config.get("description"), "detail.configuration.description"),
        reason=str(state.get("reason") or ""),
        at=state.get("timestamp") or event.get("time"),
        arn=str(resources[0]),
        dims=dims,
        source="cloudwatch",
    )


def _event_alert(
    event: dict[str, Any],
    *,
    key: str,
    name: str,
    firing: bool,
    severity: str,
    summary: str,
    labels: dict[str, str],
) -> list[AlertIn]:
    at = parse_time(event.get("time"), "time")
    labels = {k: v for k, v in labels.items() if v}
    if event.get("region"):
        labels.setdefault("region", str(event["region"]))
    return [
        AlertIn(
            source="eventbridge",
            fingerprint=fingerprint_of(event.get("source"), key),
            name=name[:255],
            status="firing" if firing else "resolved",
            severity=severity,
            service=service_of(labels),
            summary=summary,
            labels=labels,
            annotations={"detail_type": event.get("detail-type"), "event_id": event.get("id")},
            starts_at=at if firing else None,
            ends_at=None if firing else at,
            external_id=key,
        )
    ]


def _devops_guru(event: dict[str, Any], detail: dict[str, Any]) -> list[AlertIn]:
    insight = require(detail, "insightId", "detail.")
    closed = "Closed" in str(event.get("detail-type"))
    return _event_alert(
        event,
        key=insight,
        name=f"DevOpsGuru {detail.get('insightType', 'insight')} insight {insight}",
        firing=not closed,
        severity=severity_of(detail.get("insightSeverity"), "warning"),
        summary=str(detail.get("insightDescription") or detail.get("insightUrl") or insight),
        labels={"insight_id": insight, "service": str(_tag(detail, "service") or "")},
    )


def _tag(detail: dict[str, Any], key: str) -> str | None:
    coll = _obj(detail.get("resourceCollection"), "detail.resourceCollection")
    for tag in _list(coll.get("tags"), "detail.resourceCollection.tags"):
        if isinstance(tag, dict) and str(tag.get("appBoundaryKey", "")).lower() == key:
            values = _list(tag.get("tagValues"), "detail.resourceCollection.tags[].tagValues")
            return str(values[0]) if values else None
    return None


def _synthetics(event: dict[str, Any], detail: dict[str, Any]) -> list[AlertIn]:
    canary = require(detail, "canary-name", "detail.")
    ok = str(detail.get("test-run-status", "")).upper() == "PASSED"
    return _event_alert(
        event,
        key=canary,
        name=f"Synthetics canary {canary} failing",
        firing=not ok,
        severity="critical",
        summary=str(detail.get("state-reason") or detail.get("test-run-status") or ""),
        labels={"canary": canary},
    )


def _health(event: dict[str, Any], detail: dict[str, Any]) -> list[AlertIn]:
    arn = require(detail, "eventArn", "detail.")
    descs = _list(detail.get("eventDescription"), "detail.eventDescription") or [{}]
    text = descs[0].get("latestDescription", "") if isinstance(descs[0], dict) else ""
    entities = _list(detail.get("affectedEntities"), "detail.affectedEntities")
    entity = (
        entities[0].get("entityValue", "") if entities and isinstance(entities[0], dict) else ""
    )
    return _event_alert(
        event,
        key=arn,
        name=f"AWS Health {detail.get('eventTypeCode', 'event')}",
        firing=str(detail.get("statusCode", "open")).lower() != "closed",
        severity="critical" if detail.get("eventTypeCategory") == "issue" else "warning",
        summary=str(text)[:2000],
        labels={"aws_service": str(detail.get("service", "")), "resource": str(entity)},
    )


_EVENTBRIDGE: dict[str, Callable[[dict[str, Any], dict[str, Any]], list[AlertIn]]] = {
    "CloudWatch Alarm State Change": _eb_alarm,
    "DevOps Guru New Insight Open": _devops_guru,
    "DevOps Guru Insight Closed": _devops_guru,
    "Synthetics Canary TestRun Failure": _synthetics,
    "Synthetics Canary TestRun Successful": _synthetics,
    "AWS Health Event": _health,
}


def parse_sns_message(message: str) -> list[AlertIn]:
    """The SNS ``Message`` string → alerts (an unknown message kind is a BadPayload)."""
    try:
        msg = load_json(message.encode("utf-8", "surrogatepass"))
    except BadPayload as exc:
        raise BadPayload(
            f"SNS Message: {exc} (expected a CloudWatch alarm or EventBridge event)"
        ) from None
    if not isinstance(msg, dict):
        raise BadPayload("SNS Message must be a JSON object")
    if "AlarmName" in msg:
        return cloudwatch_alarm(msg)
    kind = msg.get("detail-type")
    if isinstance(kind, str):
        handler = _EVENTBRIDGE.get(kind)
        if handler is None:
            raise BadPayload(f"unsupported EventBridge detail-type {kind!r}")
        detail = require(msg, "detail", "", dict)
        return handler(msg, detail)
    raise BadPayload("SNS Message is neither a CloudWatch alarm nor an EventBridge event")
