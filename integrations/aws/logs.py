"""CloudWatch Logs: fetch events of a group and filter terms in our code (moto's filter
patterns are approximate, and the semantics we rely on should not depend on them)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from integrations.aws.errors import aws_errors


@dataclass(frozen=True)
class LogEvent:
    at: datetime
    message: str
    stream: str


def matches(message: str, pattern: str | None) -> bool:
    """CloudWatch-style terms: all plain terms (or quoted phrases) must appear, ``-term`` must
    not, and if there are ``?term``s at least one of them must. Case-sensitive, like AWS."""
    if not pattern:
        return True
    try:
        terms = shlex.split(pattern)
    except ValueError:
        terms = pattern.split()
    optional = [t[1:] for t in terms if t.startswith("?") and len(t) > 1]
    excluded = [t[1:] for t in terms if t.startswith("-") and len(t) > 1]
    required = [t for t in terms if not t.startswith(("?", "-"))]
    if any(term not in message for term in required):
        return False
    if any(term in message for term in excluded):
        return False
    return not optional or any(term in message for term in optional)


def filter_events(
    client: Any,
    group: str,
    start: datetime,
    end: datetime,
    pattern: str | None = None,
    *,
    limit: int = 10_000,
) -> list[LogEvent]:
    """Events of ``group`` in ``[start, end]`` matching ``pattern``, oldest first."""
    request: dict[str, Any] = {
        "logGroupName": group,
        "startTime": int(start.timestamp() * 1000),
        "endTime": int(end.timestamp() * 1000),
    }
    out: list[LogEvent] = []
    with aws_errors(f"log group {group}"):
        while len(out) < limit:
            page = client.filter_log_events(**request)
            for event in page.get("events", []):
                message = event.get("message", "")
                if matches(message, pattern):
                    at = datetime.fromtimestamp(event["timestamp"] / 1000, UTC)
                    out.append(LogEvent(at=at, message=message, stream=event["logStreamName"]))
            token = page.get("nextToken")
            if not token or not page.get("events"):
                break
            request["nextToken"] = token
    out.sort(key=lambda e: e.at)
    return out[:limit]
