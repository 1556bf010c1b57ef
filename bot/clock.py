"""One way to read time, so that replays and tests run on the scenario's clock.

Production uses ``SystemClock``. The sandbox uses ``SandboxClock``: it starts at the scenario's
``now`` and can be advanced by hand (``advance``) or run faster than real time (``speed``).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


def utcnow() -> datetime:
    return datetime.now(UTC)


class SystemClock:
    def now(self) -> datetime:
        return utcnow()


class SandboxClock:
    """A settable clock: ``now()`` = start + elapsed real time x speed + manual advances."""

    def __init__(self, start: datetime, *, speed: float = 0.0) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._start = start
        self._speed = speed
        self._offset = timedelta(0)
        self._t0 = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            real = timedelta(seconds=(time.monotonic() - self._t0) * self._speed)
            return self._start + self._offset + real

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        with self._lock:
            real = timedelta(seconds=(time.monotonic() - self._t0) * self._speed)
            self._offset = when - self._start - real
