"""CloudTrail management events as typed changes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrations.aws.errors import aws_errors


@dataclass(frozen=True)
class TrailChange:
    event_id: str
    event_name: str
    at: datetime
    source: str
    username: str
    resources: list[tuple[str, str]]
    parameters: dict[str, Any] = field(default_factory=dict)


def lookup_changes(
    client: Any,
    start: datetime,
    end: datetime,
    *,
    event_name: str | None = None,
    resource_name: str | None = None,
    include_read_only: bool = False,
) -> list[TrailChange]:
    """Write events in ``[start, end]``, oldest first; optionally one event name or resource."""
    request: dict[str, Any] = {"StartTime": start, "EndTime": end, "MaxResults": 50}
    if event_name and resource_name:
        raise ValueError("CloudTrail filters on one attribute at a time")
    if event_name:
        request["LookupAttributes"] = [{"AttributeKey": "EventName", "AttributeValue": event_name}]
    if resource_name:
        request["LookupAttributes"] = [
            {"AttributeKey": "ResourceName", "AttributeValue": resource_name}
        ]
    changes: list[TrailChange] = []
    with aws_errors("CloudTrail events"):
        while True:
            page = client.lookup_events(**request)
            for event in page.get("Events", []):
                if event.get("ReadOnly") == "true" and not include_read_only:
                    continue
                record = json.loads(event.get("CloudTrailEvent") or "{}")
                changes.append(
                    TrailChange(
                        event_id=event["EventId"],
                        event_name=event["EventName"],
                        at=event["EventTime"],
                        source=event.get("EventSource", ""),
                        username=event.get("Username", ""),
                        resources=[
                            (r.get("ResourceType", ""), r.get("ResourceName", ""))
                            for r in event.get("Resources", [])
                        ],
                        parameters=record.get("requestParameters") or {},
                    )
                )
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
    return sorted(changes, key=lambda c: c.at)


@dataclass(frozen=True)
class IdentityEvent:
    """One CloudTrail event with who made it: ``identity_type`` is ``userIdentity.type``
    (``Root``, ``IAMUser``, ``AssumedRole``, ``AWSService``…), ``invoked_by`` the AWS service
    that acted on the identity's behalf, if any."""

    event_id: str
    event_name: str
    at: datetime
    event_source: str
    event_type: str
    identity_type: str
    invoked_by: str
    source_ip: str
    user_agent: str


def events_by_user(
    client: Any, username: str, start: datetime, end: datetime
) -> list[IdentityEvent]:
    """Every management event (reads included) whose ``Username`` is ``username`` in
    ``[start, end]``, newest first, read page by page."""
    request: dict[str, Any] = {
        "StartTime": start,
        "EndTime": end,
        "LookupAttributes": [{"AttributeKey": "Username", "AttributeValue": username}],
    }
    out: list[IdentityEvent] = []
    with aws_errors("CloudTrail events"):
        for page in client.get_paginator("lookup_events").paginate(**request):
            for event in page.get("Events", []):
                record = json.loads(event.get("CloudTrailEvent") or "{}")
                identity = record.get("userIdentity") or {}
                out.append(
                    IdentityEvent(
                        event_id=event["EventId"],
                        event_name=event["EventName"],
                        at=event["EventTime"],
                        event_source=event.get("EventSource", ""),
                        event_type=str(record.get("eventType") or ""),
                        identity_type=str(identity.get("type") or ""),
                        invoked_by=str(identity.get("invokedBy") or ""),
                        source_ip=str(record.get("sourceIPAddress") or ""),
                        user_agent=str(record.get("userAgent") or ""),
                    )
                )
    return sorted(out, key=lambda e: e.at, reverse=True)
