"""CloudWatch Logs through boto3: ``filter_log_events`` over a group, text filtering in our code.

CloudWatch's own filter patterns differ between AWS and local emulators (and quote-sensitive
terms behave oddly), so the query only bounds the time range and we filter the messages here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from integrations.logs.models import (
    BadLogSource,
    LogLine,
    LogQuery,
    LogSourceNotFound,
    LogSourceUnavailable,
    aware,
    newest,
    split_line,
)

PREFIX = "cloudwatch:"


def group_of(source: str) -> str:
    if not source.startswith(PREFIX) or not source[len(PREFIX) :].strip():
        raise BadLogSource(f"not a CloudWatch source: {source!r} (use cloudwatch:<log group>)")
    return source[len(PREFIX) :].strip()


def _ms(moment: datetime) -> int:
    return int(aware(moment).timestamp() * 1000)


class CloudWatchLogs:
    """Reads ``cloudwatch:<group>`` sources with an injected boto3 ``logs`` client."""

    def __init__(self, client: Any, *, max_events: int = 50_000) -> None:
        self.client = client
        self.max_events = max_events  # stop scanning a huge group after this many events

    def fetch(self, query: LogQuery) -> list[LogLine]:
        group = group_of(query.source)
        kwargs: dict[str, Any] = {"logGroupName": group, "interleaved": True}
        if query.start is not None:
            kwargs["startTime"] = _ms(query.start)
        if query.end is not None:
            kwargs["endTime"] = _ms(query.end)
        lines: list[LogLine] = []
        scanned = 0
        try:
            while True:
                page = self.client.filter_log_events(**kwargs)
                for event in page.get("events", []):
                    scanned += 1
                    line = self._line(event, query.source)
                    if query.in_range(line.timestamp) and query.matches(event.get("message", "")):
                        lines.append(line)
                token = page.get("nextToken")
                if not token or token == kwargs.get("nextToken") or scanned >= self.max_events:
                    break
                kwargs["nextToken"] = token
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ResourceNotFoundException":
                raise LogSourceNotFound(f"CloudWatch log group {group!r} not found") from exc
            raise LogSourceUnavailable(f"CloudWatch Logs refused the query: {code}") from exc
        except BotoCoreError as exc:
            raise LogSourceUnavailable(f"CloudWatch Logs unreachable: {exc}") from exc
        return newest(lines, query.limit)

    @staticmethod
    def _line(event: dict[str, Any], source: str) -> LogLine:
        stamp, level, text = split_line(str(event.get("message", "")))
        when = datetime.fromtimestamp(int(event.get("timestamp", 0)) / 1000, tz=UTC)
        return LogLine(
            timestamp=when if stamp is None else stamp, level=level, text=text, source=source
        )
