"""Deterministic metric series from a scenario's ``metrics:`` entries (SCENARIOS.md).

The signal, in this order:

1. ``baseline + trend * days_since_from + daily * sin(2π * seconds_of_UTC_day / 86400)``;
   the trend is anchored at ``from`` (the first sample is the baseline there).
2. ``events`` in the order written. ``step`` and ``drop`` set the level to ``to`` from ``at`` on;
   ``ramp`` moves linearly from the value at ``at`` (after the earlier events) to ``to`` over
   ``over`` and stays there; ``spike`` holds ``to`` for ``over`` (default: one step) and then the
   earlier signal returns.
3. Overrides (remediation effects): from their start the level is ``to``.
4. Gaussian noise with std-dev ``noise``: the i-th sample always gets the i-th draw of a numpy
   PCG64 generator seeded by ``seed`` (or by a SHA-256 of the metric id, never Python's
   ``hash()``), so a longer series extends a shorter one exactly. Noise never takes a
   non-negative signal below zero.

An explicit ``values`` list replaces all of that: sample i is ``values[i]`` at ``from + i*step``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from sandbox.scenario_models import Metric


@dataclass(frozen=True)
class Override:
    """From ``start`` on, the metric's level is ``to`` (noise still applies)."""

    start: datetime
    to: float


@dataclass(frozen=True)
class Series:
    id: str
    namespace: str
    name: str
    dimensions: dict[str, str]
    stat: str
    unit: str
    step: timedelta
    timestamps: list[datetime]
    values: list[float]
    service: str | None = None
    overrides: tuple[Override, ...] = field(default=())

    def value_at(self, when: datetime) -> float:
        """The sample at ``when`` (exact timestamp); KeyError if there is none."""
        for ts, value in zip(self.timestamps, self.values, strict=True):
            if ts == when:
                return value
        raise KeyError(when)


def stable_seed(metric_id: str) -> int:
    """A seed from the metric id that is the same on every machine and every run."""
    return int.from_bytes(hashlib.sha256(metric_id.encode()).digest()[:8], "big")


def _signal(metric: Metric, offsets: np.ndarray, now_epoch: float, upto: int) -> np.ndarray:
    """The noiseless signal at ``offsets`` (seconds from now) after the first ``upto`` events."""
    start = metric.from_.total_seconds()
    days = (offsets - start) / 86400.0
    values = metric.baseline + metric.trend * days
    if metric.daily:
        seconds_of_day = np.mod(now_epoch + offsets, 86400.0)
        values = values + metric.daily * np.sin(2 * math.pi * seconds_of_day / 86400.0)
    step = metric.step.total_seconds()
    for index in range(upto):
        event = metric.events[index]
        at = event.at.total_seconds()
        if event.shape in ("step", "drop"):
            values = np.where(offsets >= at, event.to, values)
        elif event.shape == "spike":
            length = event.over.total_seconds() if event.over else step
            values = np.where((offsets >= at) & (offsets < at + length), event.to, values)
        else:  # ramp
            begin = float(_signal(metric, np.array([at]), now_epoch, index)[0])
            length = event.over.total_seconds() if event.over else step
            frac = np.clip((offsets - at) / max(length, 1e-9), 0.0, 1.0)
            values = np.where(offsets >= at, begin + (event.to - begin) * frac, values)
    return np.asarray(values, dtype=float)


def sample_times(metric: Metric, now: datetime, end: datetime | None = None) -> list[datetime]:
    """The sample grid: ``now + from``, every ``step``, up to ``end`` (default ``now``)."""
    first = now + metric.from_
    if metric.values is not None:
        return [first + i * metric.step for i in range(len(metric.values))]
    end = now if end is None else end
    if end < first:
        return []
    count = int((end - first) / metric.step) + 1
    return [first + i * metric.step for i in range(count)]


def generate(
    metric: Metric,
    now: datetime,
    *,
    end: datetime | None = None,
    overrides: Sequence[Override] = (),
) -> Series:
    """The series of one metric from ``from`` to ``end`` (default: the scenario's ``now``)."""
    times = sample_times(metric, now, end)
    if metric.values is not None:
        values = [float(v) for v in metric.values]
    else:
        offsets = np.array([(t - now).total_seconds() for t in times], dtype=float)
        signal = _signal(metric, offsets, now.timestamp(), len(metric.events))
        for override in overrides:
            signal = np.where(
                offsets >= (override.start - now).total_seconds(), override.to, signal
            )
        seed = metric.seed if metric.seed is not None else stable_seed(metric.id)
        noise = np.random.default_rng(seed).standard_normal(len(times)) * metric.noise
        noisy = signal + noise
        noisy = np.where(signal >= 0, np.maximum(noisy, 0.0), noisy)
        values = [float(v) for v in noisy]
    return Series(
        id=metric.id,
        namespace=metric.namespace,
        name=metric.name,
        dimensions=dict(metric.dimensions),
        stat=metric.stat,
        unit=metric.unit,
        step=metric.step,
        timestamps=times,
        values=values,
        service=metric.service,
        overrides=tuple(overrides),
    )


def noiseless(metric: Metric, now: datetime, when: Sequence[datetime]) -> list[float]:
    """The deterministic signal without noise (for checks and forecast benchmarks)."""
    offsets = np.array([(t - now).total_seconds() for t in when], dtype=float)
    return [float(v) for v in _signal(metric, offsets, now.timestamp(), len(metric.events))]
