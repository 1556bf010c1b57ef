"""The generic JSON alert (schema documented in docs/webhooks.md), version "1"."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.ingest.models import (
    AlertIn,
    BadPayload,
    bounded_time,
    fingerprint_of,
    service_of,
    severity_of,
)


class GenericAlert(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    status: Literal["firing", "resolved"] = "firing"
    severity: Literal["critical", "warning", "info"] = "warning"
    service: str | None = Field(default=None, max_length=255)
    summary: str = Field(default="", max_length=10_000)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, Any] = Field(default_factory=dict)
    fingerprint: str | None = Field(default=None, min_length=1, max_length=128)
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return bounded_time(value)


class GenericPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal["1"]
    alerts: list[GenericAlert] = Field(min_length=1, max_length=1000)


def parse_generic(body: Any) -> list[AlertIn]:
    if isinstance(body, dict) and "version" in body and body["version"] != "1":
        raise BadPayload(f"unsupported generic alert version {body['version']!r} (expected '1')")
    try:
        payload = GenericPayload.model_validate(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "body"
        kind = "missing field" if err["type"] == "missing" else str(err["msg"])
        raise BadPayload(f"{kind}: {where}") from None
    return _alerts(payload)


def _alerts(payload: GenericPayload) -> list[AlertIn]:
    out = []
    for a in payload.alerts:
        service = a.service or service_of(a.labels)
        out.append(
            AlertIn(
                source="generic",
                fingerprint=a.fingerprint
                or fingerprint_of(a.name, service, sorted(a.labels.items())),
                name=a.name,
                status=a.status,
                severity=severity_of(a.severity),
                service=service,
                summary=a.summary,
                labels=dict(a.labels),
                annotations=dict(a.annotations),
                starts_at=a.starts_at,
                ends_at=a.ends_at,
            )
        )
    return out
