"""Scenario alerts and changes in their sources' own wire formats (what each webhook receives).

General: every value comes from the scenario entry being encoded; nothing names an example.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from bot.ingest.models import fingerprint_of
from bot.ingest.signatures import github_signature, pagerduty_signature
from sandbox.replay.signer import SnsSigner

ACCOUNT = "123456789012"


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def alertmanager(alert: Any, at: datetime) -> dict[str, Any]:
    labels = {"alertname": alert.name, "severity": alert.severity, **dict(alert.labels)}
    if alert.service:
        labels.setdefault("service", alert.service)
    item = {
        "status": alert.status,
        "labels": labels,
        "annotations": {"summary": alert.summary},
        "startsAt": iso(at),
        "endsAt": iso(at) if alert.status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.sandbox/graph",
        "fingerprint": fingerprint_of(sorted(labels.items()))[:16],
    }
    return {
        "version": "4",
        "groupKey": f"{{}}:{{alertname={alert.name!r}}}",
        "truncatedAlerts": 0,
        "status": alert.status,
        "receiver": "aiops",
        "groupLabels": {"alertname": alert.name},
        "commonLabels": labels,
        "commonAnnotations": {"summary": alert.summary},
        "externalURL": "http://alertmanager.sandbox",
        "alerts": [item],
    }


def generic(alert: Any, at: datetime) -> dict[str, Any]:
    return {
        "version": "1",
        "alerts": [
            {
                "name": alert.name,
                "status": alert.status,
                "severity": alert.severity,
                "service": alert.service,
                "summary": alert.summary,
                "labels": dict(alert.labels),
                "starts_at" if alert.status == "firing" else "ends_at": iso(at),
            }
        ],
    }


class PagerDutyEncoder:
    """PD v3 webhook events; one PD incident per firing episode of the same dedup key."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._open: dict[str, str] = {}
        self._n = 0

    def encode(self, alert: Any, at: datetime) -> tuple[bytes, dict[str, str]]:
        dedup = fingerprint_of(alert.name, alert.service, sorted(alert.labels.items()))
        if alert.status == "firing" or dedup not in self._open:
            self._n += 1
            self._open[dedup] = (
                "Q" + hashlib.sha1(f"{dedup}{self._n}".encode()).hexdigest()[:12].upper()
            )
        incident_id = self._open[dedup]
        kind = "incident.triggered" if alert.status == "firing" else "incident.resolved"
        body = {
            "event": {
                "id": str(uuid.uuid4()),
                "event_type": kind,
                "resource_type": "incident",
                "occurred_at": iso(at),
                "agent": None,
                "client": None,
                "data": {
                    "id": incident_id,
                    "type": "incident",
                    "self": f"https://api.pagerduty.com/incidents/{incident_id}",
                    "html_url": f"https://sandbox.pagerduty.com/incidents/{incident_id}",
                    "number": self._n,
                    "status": "triggered" if alert.status == "firing" else "resolved",
                    "incident_key": dedup,
                    "created_at": iso(at),
                    "title": alert.name,
                    "service": {
                        "id": "PSVC",
                        "summary": alert.service,
                        "type": "service_reference",
                    },
                    "urgency": "high" if alert.severity == "critical" else "low",
                },
            }
        }
        raw = json.dumps(body).encode()
        return raw, {"X-PagerDuty-Signature": pagerduty_signature(raw, self.secret)}


def cloudwatch_sns(
    alert: Any, at: datetime, *, region: str, metric: Any | None, signer: SnsSigner
) -> dict[str, Any]:
    lines = [alert.summary or alert.name, f"severity={alert.severity}"]
    if alert.service:
        lines.append(f"service={alert.service}")
    lines += [f"{k}={v}" for k, v in alert.labels.items()]
    region = alert.labels.get("region", region)
    trigger: dict[str, Any] = {"Period": 60, "EvaluationPeriods": 1}
    if metric is not None:
        trigger.update(
            MetricName=metric.name,
            Namespace=metric.namespace,
            Statistic=str(metric.stat).upper(),
            Dimensions=[{"name": k, "value": v} for k, v in metric.dimensions.items()],
        )
    message = {
        "AlarmName": alert.name,
        "AlarmDescription": "\n".join(lines),
        "AWSAccountId": ACCOUNT,
        "NewStateValue": "ALARM" if alert.status == "firing" else "OK",
        "NewStateReason": alert.summary,
        "StateChangeTime": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "Region": region,
        "AlarmArn": f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{alert.name}",
        "OldStateValue": "OK" if alert.status == "firing" else "ALARM",
        "Trigger": trigger,
    }
    envelope = {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": f"arn:aws:sns:{region}:{ACCOUNT}:aiops-alarms",
        "Subject": f'ALARM: "{alert.name}" in {region}'[:99],
        "Message": json.dumps(message),
        "Timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
    }
    return signer.sign(envelope)


def change(change: Any, at: datetime, *, github_secret: str) -> tuple[str, bytes, dict[str, str]]:
    """(path, body, headers) for one non-CloudTrail change."""
    detail = dict(change.detail)
    service = change.service or "unknown"
    if change.source == "github":
        ident = int(hashlib.sha1(f"{service}{iso(at)}".encode()).hexdigest()[:8], 16)
        body: dict[str, Any] = {
            "action": "created",
            "deployment_status": {"state": "success", "created_at": iso(at)},
            "deployment": {
                "id": ident,
                "sha": str(detail.get("commit", "")),
                "ref": change.version or "",
                "environment": detail.get("environment", "production"),
                "creator": {"login": change.actor or "unknown"},
                "payload": {
                    "service": service,
                    "version": change.version,
                    "previous": change.previous,
                },
            },
            "repository": {"name": service, "full_name": f"sandbox/{service}"},
        }
        raw = json.dumps(body).encode()
        return (
            "/webhooks/changes/github",
            raw,
            {
                "X-GitHub-Event": "deployment_status",
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-Hub-Signature-256": github_signature(raw, github_secret),
            },
        )
    if change.source == "argocd":
        body = {
            "app": service,
            "service": service,
            "revision": str(detail.get("commit") or change.version),
            "version": change.version,
            "previous": change.previous,
            "author": change.actor,
            "phase": "Succeeded",
            "finished_at": iso(at),
        }
        return "/webhooks/changes/argocd", json.dumps(body).encode(), {}
    if change.source == "jenkins":
        params = {
            "SERVICE": service,
            "VERSION": change.version,
            "PREVIOUS": change.previous,
            "KIND": change.kind,
            "ACTOR": change.actor,
        }
        number = int(hashlib.sha1(f"{service}{iso(at)}".encode()).hexdigest()[:6], 16)
        body = {
            "name": service,
            "build": {
                "number": number,
                "phase": "COMPLETED",
                "status": "SUCCESS",
                "parameters": params,
            },
        }
        return "/webhooks/changes/jenkins", json.dumps(body).encode(), {}
    body = {
        "kind": change.kind,
        "service": change.service,
        "version": change.version,
        "previous": change.previous,
        "actor": change.actor,
        "at": iso(at),
        "detail": detail,
    }
    return "/webhooks/changes/manual", json.dumps(body, default=str).encode(), {}
