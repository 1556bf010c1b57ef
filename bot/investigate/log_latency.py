"""How long requests take, read from the lines that time them (issue 15 pt 1: never silent).

Many services export no latency metric, yet their own lines time each request: a structured
access log's ``"responseTime":3644.6``, a client's ``latency=2.20s``. ``read_latency`` reads
those durations from one log source (fields and units are data: ``log_latency.yaml``) and says
how long its requests take (median, p95) and whether they are slow for the person waiting.

**One path slow, the others fast.** The requests are grouped by their *path*: the words of the
timing line and of the other lines of the same request (tied by a request id: ``Request #267``,
``request_id=…``), with numbers masked. When one path's median is ``split_ratio`` times the
fastest path's and slow in itself ("Sending request with promo_code": 2.4 s, "… without …":
0.15 s), that path is named: what is slow is the work only that path does. No service, value
or parameter is named here.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import Field, field_validator

from bot.configfile import FrozenModel
from bot.investigate.reasoning_data import load, regex
from bot.investigate.sources import LogRecord

#: seconds per unit of a duration, as logs print them
UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
}


def _unit(value: str) -> str:
    if value not in UNITS:
        raise ValueError(f"unit {value!r} is not one of {sorted(UNITS)}")
    return value


class LogLatency(FrozenModel):
    """How request durations are read from log lines (``playbooks/reasoning/log_latency.yaml``)."""

    json_fields: dict[str, str] = Field(min_length=1)
    text_keys: list[str] = Field(min_length=1)
    text_default_unit: str
    request_ids: list[str] = Field(default_factory=list)
    skip_platforms: list[str] = Field(default_factory=list)
    slow_seconds: float = Field(gt=0)
    min_lines: int = Field(ge=1)
    split_ratio: float = Field(gt=1)
    split_seconds: float = Field(gt=0)
    min_path: int = Field(ge=1)

    @field_validator("json_fields")
    @classmethod
    def _units(cls, value: dict[str, str]) -> dict[str, str]:
        for key, unit in value.items():
            try:
                _unit(unit)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return value

    @field_validator("text_default_unit")
    @classmethod
    def _default_unit(cls, value: str) -> str:
        return _unit(value)

    @field_validator("request_ids")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if re.compile(regex(pattern)).groups != 1:
                raise ValueError(f"{pattern!r}: needs exactly one group (the id)")
        return value


@lru_cache(maxsize=1)
def log_latency_rules() -> LogLatency:
    return load(LogLatency, "log_latency.yaml")


# ids and numbers, a number's unit with it ("2.20s" and "150ms" are the same path)
_MASK = re.compile(r"\b[0-9a-f]{8,}\b|\d+(?:\.\d+)?(?:ms|us|µs|ns|s)?\b", re.IGNORECASE)
_VALUE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zµ]*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Timed:
    """One request's duration (seconds), when it was printed, and the line that said it."""

    seconds: float
    at: datetime | None
    text: str
    field: str


@dataclass(frozen=True)
class Latency:
    """What one source's timed lines say: ``path`` is set when one path is slow and others not."""

    count: int
    field: str
    p50_s: float
    p95_s: float
    slow: bool
    first_slow: datetime | None
    example: str
    path: str | None = None
    path_count: int = 0
    path_p50_s: float | None = None
    other_p50_s: float | None = None

    def said(self) -> str:
        if self.path is not None:
            return (
                f"{self.count} request(s) timed in its lines ({self.field}): the path "
                f'like "{self.path[:120]}" takes {self.path_p50_s:.2f} s (median of '
                f"{self.path_count}), the others {self.other_p50_s:.2f} s"
            )
        verdict = "slow" if self.slow else "not slow"
        return (
            f"{self.count} request(s) timed in its lines ({self.field}): median "
            f"{self.p50_s:.2f} s, p95 {self.p95_s:.2f} s ({verdict})"
        )


def _seconds(value: Any, unit: str) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) * UNITS[unit]
    if isinstance(value, str):
        m = _VALUE.match(value)
        if m is None:
            return None
        own = m.group(2).lower()
        factor = UNITS.get(own or unit)
        return float(m.group(1)) * factor if factor is not None else None
    return None


def _json_of(text: str) -> dict[str, Any] | None:
    start = text.find("{")
    if start < 0:
        return None
    try:
        value = json.loads(text[start:])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _flat(doc: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{name}."))
        out[name] = value
        out.setdefault(str(key), value)
    return out


@lru_cache(maxsize=4)
def _text_form(keys: tuple[str, ...]) -> re.Pattern[str]:
    units = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
    names = "|".join(re.escape(k) for k in keys)
    return re.compile(
        rf"\b(?P<key>{names})\b\s*(?P<sep>[=:])?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>{units})?\b",
        re.IGNORECASE,
    )


def duration(text: str, rules: LogLatency | None = None) -> tuple[float, str] | None:
    """The request duration a line prints (seconds, and the field it came from), else None."""
    rules = rules or log_latency_rules()
    doc = _json_of(text)
    if doc is not None:
        flat = _flat(doc)
        for key, unit in rules.json_fields.items():
            if key in flat and (secs := _seconds(flat[key], unit)) is not None:
                return secs, key
        return None
    m = _text_form(tuple(rules.text_keys)).search(text)
    if m is None or not (m.group("sep") or m.group("unit")):  # "took 3 retries" times nothing
        return None
    unit = (m.group("unit") or rules.text_default_unit).lower()
    factor = UNITS.get(unit)
    if factor is None:
        return None
    return float(m.group("num")) * factor, m.group("key")


def _mask(text: str) -> str:
    return " ".join(_MASK.sub("N", text).split())


def _ids(text: str, rules: LogLatency) -> set[str]:
    return {m.group(1) for p in rules.request_ids for m in re.finditer(p, text, re.IGNORECASE)}


def _paths(
    lines: Sequence[LogRecord], timed: Sequence[tuple[int, Timed]], rules: LogLatency
) -> dict[str, list[Timed]]:
    """Timed requests grouped by their path: the masked words of the timing line and of the
    other lines that carry the same request id."""
    by_id: dict[str, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        for rid in _ids(line.text, rules):
            by_id[rid].append(i)
    timed_at = {i for i, _ in timed}
    groups: dict[str, list[Timed]] = defaultdict(list)
    for i, t in timed:
        mates = sorted(
            {
                _mask(lines[j].text)
                for rid in _ids(t.text, rules)
                for j in by_id[rid]
                if j != i and j not in timed_at
            }
        )
        groups[" | ".join([*mates, _mask(t.text)])].append(t)
    return groups


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def read_latency(lines: Sequence[LogRecord], rules: LogLatency | None = None) -> Latency | None:
    """How long the requests timed in ``lines`` take; None when fewer than ``min_lines`` are
    timed."""
    rules = rules or log_latency_rules()
    timed: list[tuple[int, Timed]] = []
    for i, line in enumerate(lines):
        found = duration(line.text, rules)
        if found is not None:
            timed.append((i, Timed(found[0], line.at, line.text, found[1])))
    if len(timed) < rules.min_lines:
        return None
    values = [t.seconds for _, t in timed]
    fields = statistics.mode(t.field for _, t in timed)
    p50 = statistics.median(values)
    slow_at = [t.at for _, t in timed if t.seconds >= rules.slow_seconds and t.at is not None]
    base = Latency(
        count=len(timed),
        field=fields,
        p50_s=round(p50, 3),
        p95_s=round(_p95(values), 3),
        slow=p50 >= rules.slow_seconds,
        first_slow=min(slow_at, default=None),
        example=timed[0][1].text[:300],
    )
    groups = {k: g for k, g in _paths(lines, timed, rules).items() if len(g) >= rules.min_path}
    if len(groups) < 2:
        return base
    medians = {k: statistics.median(t.seconds for t in g) for k, g in groups.items()}
    slowest = max(medians, key=lambda k: medians[k])
    fastest = min(medians, key=lambda k: medians[k])
    high, low = medians[slowest], medians[fastest]
    if high < rules.split_seconds or high < rules.split_ratio * max(low, 1e-6):
        return base
    others = [t.seconds for k, g in groups.items() if k != slowest for t in g]
    path = slowest.split(" | ")[0]
    return Latency(
        count=base.count,
        field=base.field,
        p50_s=base.p50_s,
        p95_s=base.p95_s,
        slow=True,
        first_slow=min((t.at for t in groups[slowest] if t.at is not None), default=None),
        example=groups[slowest][0].text[:300],
        path=path,
        path_count=len(groups[slowest]),
        path_p50_s=round(high, 3),
        other_p50_s=round(statistics.median(others), 3),
    )
