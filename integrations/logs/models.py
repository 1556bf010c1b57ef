"""The one log-source interface every backend implements, and its typed query and lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


class LogSourceError(Exception):
    """A log query failed; the message is safe to show."""


class BadLogSource(LogSourceError):
    """The source string is malformed or names a backend that is not configured."""


class LogSourceNotFound(LogSourceError):
    """The group, pod, container or stream does not exist."""


class LogSourceUnavailable(LogSourceError):
    """The backend did not answer or refused the query."""


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Which lines to read.

    ``source`` is ``cloudwatch:<group>``, ``k8s:<ns>/<pod>/<container>``,
    ``file:<host>:<path>`` or ``loki:{<selector>}``. ``start``/``end`` bound the time range
    (either may be open). ``contains`` keeps lines holding that text. At most ``limit`` lines
    come back: the newest ones, in time order.
    """

    source: str
    start: datetime | None = None
    end: datetime | None = None
    contains: str | None = None
    ignore_case: bool = False
    limit: int = 500

    def __post_init__(self) -> None:
        if self.limit <= 0:
            raise BadLogSource(f"limit must be positive, got {self.limit}")
        if self.start and self.end and aware(self.start) > aware(self.end):
            raise BadLogSource("start is after end")

    def matches(self, text: str) -> bool:
        if not self.contains:
            return True
        if self.ignore_case:
            return self.contains.lower() in text.lower()
        return self.contains in text

    def in_range(self, moment: datetime) -> bool:
        if self.start is not None and moment < aware(self.start):
            return False
        return not (self.end is not None and moment > aware(self.end))


@dataclass(frozen=True, slots=True)
class LogLine:
    timestamp: datetime
    level: str  # TRACE DEBUG INFO WARN ERROR FATAL, or UNKNOWN
    text: str  # the message, without a leading timestamp or level
    source: str


@runtime_checkable
class LogSource(Protocol):
    def fetch(self, query: LogQuery) -> list[LogLine]: ...


def aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_LEVELS = {
    "TRACE": "TRACE",
    "DEBUG": "DEBUG",
    "DBG": "DEBUG",
    "INFO": "INFO",
    "NOTICE": "INFO",
    "WARN": "WARN",
    "WARNING": "WARN",
    "ERROR": "ERROR",
    "ERR": "ERROR",
    "SEVERE": "ERROR",
    "FATAL": "FATAL",
    "CRITICAL": "FATAL",
    "CRIT": "FATAL",
    "PANIC": "FATAL",
    "EMERG": "FATAL",
    "ALERT": "FATAL",
}
_STAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s+"
)
_LEAD_LEVEL = re.compile(r"^\[?([A-Za-z]{3,8})\]?:?\s+")
_KV_LEVEL = re.compile(r"\b(?:level|lvl|severity)=\"?([A-Za-z]+)", re.IGNORECASE)
_BRACKET_LEVEL = re.compile(r"\[([A-Z]{3,8})\]")
_WORD_LEVEL = re.compile(r"\b(TRACE|DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL|CRITICAL|PANIC)\b")


def parse_stamp(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(",", "."))
    except ValueError:
        return None
    return aware(value)


def split_line(raw: str) -> tuple[datetime | None, str, str]:
    """``(timestamp, level, message)`` of a raw line; leading timestamps and level are removed.

    Handles a kubelet timestamp followed by an application timestamp, ``LEVEL msg``,
    ``[LEVEL] msg``, ``level=error …`` and a level word anywhere in the line.
    """
    text, stamp = raw.rstrip("\n"), None
    for _ in range(2):
        match = _STAMP.match(text)
        if not match:
            break
        stamp = stamp or parse_stamp(match.group(0))
        text = text[match.end() :]
    lead = _LEAD_LEVEL.match(text)
    if lead and lead.group(1).upper() in _LEVELS and lead.group(1).isupper():
        return stamp, _LEVELS[lead.group(1).upper()], text[lead.end() :]
    return stamp, detect_level(text), text


def detect_level(text: str) -> str:
    """The severity a line states somewhere (``level=warn``, ``[ERROR]``, `` ERROR ``)."""
    for pattern in (_KV_LEVEL, _BRACKET_LEVEL, _WORD_LEVEL):
        match = pattern.search(text)
        if match and match.group(1).upper() in _LEVELS:
            return _LEVELS[match.group(1).upper()]
    return "UNKNOWN"


def newest(lines: list[LogLine], limit: int) -> list[LogLine]:
    """The newest ``limit`` lines, oldest first (a stable sort keeps same-time order)."""
    ordered = sorted(lines, key=lambda line: line.timestamp)
    return ordered[-limit:]
