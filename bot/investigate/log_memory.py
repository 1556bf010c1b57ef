"""Memory a process reports in its own lines, as a trend (issue 15: a leak before, or behind,
an OOM kill).

A service with no memory metric often prints its own: "current memory: 412MB", "Memory usage
high: 850MB / 1024MB". ``memory_trend`` reads those readings from one log source (the pattern is
data: ``playbooks/reasoning/log_memory.yaml``); when they only climb, over ``min_readings`` lines
and by ``growth`` times the first, the source's service has a memory trend: the same
``metric_trend`` finding (signal memory) a metric's climb gives, so the memory-leak rules read it
alike. No service or value is named here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pydantic import Field, field_validator

from bot.configfile import FrozenModel
from bot.investigate.reasoning_data import load, regex
from bot.investigate.sources import LogRecord

_BYTES = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


class LogMemory(FrozenModel):
    reading: str
    min_readings: int = Field(ge=2)
    rising_share: float = Field(gt=0.5, le=1)
    growth: float = Field(gt=1)
    near_limit: float = Field(gt=0, le=1)

    @field_validator("reading")
    @classmethod
    def _groups(cls, value: str) -> str:
        groups = set(re.compile(regex(value)).groupindex)
        if not {"used", "unit"} <= groups:
            raise ValueError("needs the named groups used and unit (limit, limit_unit optional)")
        return value


@lru_cache(maxsize=1)
def log_memory_rules() -> LogMemory:
    return load(LogMemory, "log_memory.yaml")


@dataclass(frozen=True)
class MemoryTrend:
    first_mb: float
    last_mb: float
    readings: int
    per_day_mb: float | None
    near_limit: bool
    example: str


def _mb(number: str, unit: str) -> float:
    return float(number) * _BYTES.get(unit[:1].lower(), 1) / 2**20


def memory_trend(lines: Sequence[LogRecord], rules: LogMemory | None = None) -> MemoryTrend | None:
    """The memory the lines report, when it climbs (``rising_share`` of its steps up) to
    ``growth`` times its first reading; else None."""
    rules = rules or log_memory_rules()
    pattern = re.compile(rules.reading, re.IGNORECASE)
    said: list[tuple[LogRecord, float, float | None]] = []
    for line in lines:
        m = pattern.search(line.text)
        if m is None:
            continue
        limit = m.group("limit")
        cap = _mb(limit, m.group("limit_unit") or m.group("unit")) if limit else None
        said.append((line, _mb(m.group("used"), m.group("unit")), cap))
    if len(said) < rules.min_readings:
        return None
    # a climb, not a level that wanders: most steps go up (a figure of something else said in
    # between, "512MB unreleased buffers", is one step down) and the last is `growth` x the first
    highs = said
    used = [mb for _, mb, _ in said]
    steps = list(zip(used, used[1:], strict=False))
    rising = sum(1 for a, b in steps if b >= a) / len(steps)
    if rising < rules.rising_share or used[-1] < rules.growth * used[0]:
        return None
    first, last = highs[0][0].at, highs[-1][0].at
    days = (last - first).total_seconds() / 86400 if first and last and last > first else None
    cap = highs[-1][2]
    return MemoryTrend(
        first_mb=round(used[0], 1),
        last_mb=round(used[-1], 1),
        readings=len(used),
        per_day_mb=round((used[-1] - used[0]) / days, 1) if days else None,
        near_limit=cap is not None and used[-1] >= rules.near_limit * cap,
        example=highs[-1][0].text[:300],
    )
