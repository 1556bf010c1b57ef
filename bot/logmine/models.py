"""Typed inputs and outputs of log-template mining."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class LogLineLike(Protocol):
    """Anything with the three attributes the miner reads (a scenario log line, a Loki entry…)."""

    @property
    def text(self) -> str: ...

    @property
    def timestamp(self) -> datetime | None: ...

    @property
    def level(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class LogLine:
    """A minimal concrete log line."""

    text: str
    timestamp: datetime | None = None
    level: str | None = None


@dataclass(slots=True)
class Template:
    """One mined event type: its template, how often and when it was seen, a few raw examples."""

    template: str
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    levels: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def level(self) -> str | None:
        """The most frequent level, or None when no line carried one."""
        if not self.levels:
            return None
        return max(self.levels.items(), key=lambda kv: kv[1])[0]
