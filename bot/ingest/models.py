"""One typed alert, whatever wire format it came in (``AlertIn``), what became of it
(``Outcome``), and the payload errors."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from bot.errors import AiopsError, Forbidden, UserError

Status = Literal["firing", "resolved"]

SERVICE_LABELS = ("service", "app", "application", "app_kubernetes_io_name", "service_name")
_SEVERITY = {
    "critical": "critical",
    "crit": "critical",
    "error": "critical",
    "high": "critical",
    "p1": "critical",
    "p2": "critical",
    "page": "critical",
    "warning": "warning",
    "warn": "warning",
    "medium": "warning",
    "p3": "warning",
    "info": "info",
    "low": "info",
    "p4": "info",
    "p5": "info",
    "none": "info",
}


class Unauthorized(Forbidden):
    """No or wrong credentials (bearer token, signature)."""

    http_status = 401


class PayloadTooLarge(UserError):
    http_status = 413


class UnsupportedMediaType(UserError):
    http_status = 415


class BadPayload(UserError):
    """A body we cannot accept: malformed, a missing field, an unknown version."""

    http_status = 422


@dataclass(frozen=True)
class AlertIn:
    source: str  # alertmanager | pagerduty | cloudwatch | eventbridge | generic
    fingerprint: str
    name: str
    status: str = "firing"  # firing | resolved
    severity: str = "warning"
    service: str | None = None
    summary: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, Any] = field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of one ``AlertIn``: its row, and the incident it belongs to (if any)."""

    alert_id: int
    incident_id: int | None
    created_alert: bool
    created_incident: bool


def severity_of(value: object, default: str = "warning") -> str:
    return _SEVERITY.get(str(value or "").strip().lower(), default)


def service_of(labels: Mapping[str, str]) -> str | None:
    for key in SERVICE_LABELS:
        value = labels.get(key)
        if value:
            return str(value)
    return None


def fingerprint_of(*parts: object) -> str:
    """A stable hash of the identifying parts (labels sorted)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def parse_time(value: object, what: str) -> datetime | None:
    """ISO 8601 (``Z``, ``+00:00``, ``+0000``) → aware UTC; Alertmanager's zero time → None."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise BadPayload(f"{what}: expected an ISO 8601 time string")
    if value.startswith("0001-01-01"):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadPayload(f"{what}: not an ISO 8601 time: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def str_map(value: object, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadPayload(f"{what}: expected an object of strings")
    out: dict[str, str] = {}
    for k, v in value.items():
        if isinstance(v, dict | list):
            raise BadPayload(f"{what}.{k}: expected a string")
        out[str(k)] = "" if v is None else str(v)
    return out


def require(
    obj: Mapping[str, Any], key: str, what: str, kind: type | tuple[type, ...] = str
) -> Any:
    if not isinstance(obj, Mapping) or key not in obj or obj[key] is None:
        raise BadPayload(f"missing field: {what}{key}")
    value = obj[key]
    if not isinstance(value, kind):
        raise BadPayload(f"field {what}{key} has the wrong type")
    return value


__all__ = ["AiopsError", "AlertIn", "BadPayload", "Unauthorized"]
