"""Time offsets and durations as scenarios write them: ``-45m``, ``-2h``, ``0``, ``+10m``, ``-3d``.

Units are ``s``, ``m``, ``h`` and ``d``. An offset may be negative (before the scenario's ``now``)
or positive; a duration (``step``, ``over``, ``every``, ``after``) must not be negative.
A bare number (``0``, ``30``) is read as seconds.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PATTERN = re.compile(r"^\s*([+-]?)\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_offset(value: object) -> timedelta:
    """``"-45m"`` → ``timedelta(minutes=-45)``; ``0`` → zero. ValueError on anything else."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected a time offset like -45m, got {value!r}")
    if isinstance(value, int | float):
        return timedelta(seconds=float(value))
    if not isinstance(value, str):
        raise ValueError(f"expected a time offset like -45m, got {value!r}")
    match = _PATTERN.match(value)
    if not match:
        raise ValueError(f"bad time offset {value!r} (use a number and s, m, h or d: -45m, +2h)")
    sign, number, unit = match.groups()
    seconds = float(number) * _UNITS[unit or "s"]
    return timedelta(seconds=-seconds if sign == "-" else seconds)


def parse_duration(value: object) -> timedelta:
    """Like :func:`parse_offset`, but negative values are an error."""
    delta = parse_offset(value)
    if delta < timedelta(0):
        raise ValueError(f"a duration cannot be negative, got {value!r}")
    return delta


def format_offset(delta: timedelta) -> str:
    """The inverse, for messages: ``timedelta(minutes=-45)`` → ``-45m``."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0"
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{sign}{seconds // _UNITS[unit]}{unit}"
    return f"{sign}{seconds}s"
