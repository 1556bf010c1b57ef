"""Scenario log sources expanded into timed lines, shared by the Kubernetes and Loki sandboxes.

The scenario's ``logs`` section is taken as plain dicts (what ``yaml.safe_load`` gives): each
entry names a ``source`` and its ``lines`` (``at``, ``level``, ``text``, optional ``repeat`` and
``every``). Lines after ``now`` are not served: the sandbox shows the world as it is at ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.timeparse import parse_duration, parse_offset

__all__ = ["TimedLine", "at", "expand_logs", "expand_source", "format_line", "parse_offset"]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def at(now: datetime, offset: object) -> datetime:
    """The absolute time of a scenario offset, in UTC."""
    return _utc(now) + parse_offset(offset)


@dataclass(frozen=True, slots=True)
class TimedLine:
    """One expanded log line of a source."""

    time: datetime
    level: str
    text: str


def format_time(moment: datetime) -> str:
    """RFC 3339 with milliseconds and ``Z``, as applications commonly log."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def format_line(line: TimedLine) -> str:
    """How a line reads in a pod log or a log file: ``<time> <LEVEL> <text>``."""
    return f"{format_time(line.time)} {line.level} {line.text}"


def expand_source(
    lines: Iterable[Mapping[str, Any]], now: datetime, until: datetime | None = None
) -> list[TimedLine]:
    """The lines of one source, repeats unrolled, sorted by time (stable).

    Offsets count from ``now`` (the scenario's clock); lines after ``until`` (default ``now``:
    the sandbox clock, which may have moved on) are not served yet.
    """
    limit = _utc(until or now)
    out: list[TimedLine] = []
    for entry in lines:
        start = at(now, entry.get("at", 0))
        repeat = int(entry.get("repeat", 1) or 1)
        every = parse_duration(entry.get("every", 0)) if repeat > 1 else timedelta(0)
        level = str(entry.get("level", "INFO")).upper()
        text = str(entry.get("text", ""))
        for i in range(repeat):
            moment = start + every * i
            if moment > limit:
                break
            out.append(TimedLine(moment, level, text))
    out.sort(key=lambda line: line.time)
    return out


def expand_logs(
    logs: Iterable[Mapping[str, Any]] | None, now: datetime, until: datetime | None = None
) -> dict[str, list[TimedLine]]:
    """Every source of the scenario's ``logs`` section, keyed by its source string."""
    result: dict[str, list[TimedLine]] = {}
    for source in logs or []:
        name = str(source.get("source", ""))
        result.setdefault(name, []).extend(expand_source(source.get("lines") or [], now, until))
    for name in result:
        result[name].sort(key=lambda line: line.time)
    return result
