"""Alertmanager webhook, version 4 → ``AlertIn``.

https://prometheus.io/docs/alerting/latest/configuration/#webhook_config: a group of alerts with
``labels``, ``annotations``, ``startsAt``, ``endsAt``, ``status`` and ``fingerprint``.
"""

from __future__ import annotations

from typing import Any

from bot.ingest.models import (
    AlertIn,
    BadPayload,
    fingerprint_of,
    parse_time,
    require,
    service_of,
    severity_of,
    str_map,
)


def parse_alertmanager(body: Any) -> list[AlertIn]:
    if not isinstance(body, dict):
        raise BadPayload("expected a JSON object")
    version = require(body, "version", "")
    if version != "4":
        raise BadPayload(f"unsupported Alertmanager webhook version {version!r} (expected '4')")
    alerts = require(body, "alerts", "", list)
    common = str_map(body.get("commonLabels"), "commonLabels")
    out = []
    for i, raw in enumerate(alerts):
        where = f"alerts[{i}]."
        if not isinstance(raw, dict):
            raise BadPayload(f"{where[:-1]}: expected an object")
        labels = {**common, **str_map(require(raw, "labels", where, dict), f"{where}labels")}
        annotations = str_map(raw.get("annotations"), f"{where}annotations")
        name = labels.get("alertname")
        if not name:
            raise BadPayload(f"missing field: {where}labels.alertname")
        status = require(raw, "status", where)
        if status not in ("firing", "resolved"):
            raise BadPayload(f"{where}status must be 'firing' or 'resolved'")
        fp = raw.get("fingerprint")
        if fp is not None and (not isinstance(fp, str) or not fp or len(fp) > 128):
            raise BadPayload(f"{where}fingerprint must be a short string")
        out.append(
            AlertIn(
                source="alertmanager",
                fingerprint=fp or fingerprint_of(sorted(labels.items())),
                name=name[:255],
                status=status,
                severity=severity_of(labels.get("severity")),
                service=service_of(labels),
                summary=annotations.get("summary") or annotations.get("description") or "",
                labels=labels,
                annotations=annotations,
                starts_at=parse_time(raw.get("startsAt"), f"{where}startsAt"),
                ends_at=parse_time(raw.get("endsAt"), f"{where}endsAt")
                if status == "resolved"
                else None,
                external_id=raw.get("generatorURL")
                if isinstance(raw.get("generatorURL"), str)
                else None,
            )
        )
    return out
