"""Verification after a remediation: wait, then read the incident's signal metrics.

A ``Signal`` is one CloudWatch series (namespace, name, dimensions, stat, period) with what
healthy looked like (the baseline before the change point) and the level the incident reached;
its threshold sits halfway between the two. ``signals_from_metrics`` builds them at proposal
time from the series themselves; they are stored in the request (``result.verify_signal``).

``MetricVerifier`` is the production and sandbox ``flows.Verifier``: it waits on the injected
clock in steps (a ``SandboxClock`` is advanced, a real clock sleeps) up to the window and reads
the latest point of every signal with ``get_metric_data``. Recovered when the primary signal
(the root alert's) or at least half of the signals are back on the healthy side, and the
action's own check (pods ready, instance running…) passes. With no signal stored it polls the
action's own check alone; with neither there is nothing to judge by, and the outcome is
``VerifyOutcome.unchecked`` (the request ends ``unverified``, not ``verified``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from bot.clock import Clock, SandboxClock
from bot.remediate.models import NO_SIGNAL, ActionContext, ActionSpec, Params, VerifyOutcome
from integrations.aws.cloudwatch import MetricQuery, read_series

DEFAULT_WINDOW = timedelta(minutes=10)
DEFAULT_STEP = timedelta(minutes=1)
_UNITS = {"Seconds": "s", "Percent": "%", "Milliseconds": "ms", "Count": "", "None": ""}


@dataclass(frozen=True)
class Signal:
    label: str
    namespace: str
    name: str
    dimensions: dict[str, str]
    stat: str
    period_s: int
    unit: str
    baseline: float
    bad: float
    primary: bool = False

    @property
    def threshold(self) -> float:
        return self.baseline + 0.5 * (self.bad - self.baseline)

    @property
    def up_is_bad(self) -> bool:
        return self.bad > self.baseline

    def healthy(self, value: float) -> bool:
        return value < self.threshold if self.up_is_bad else value > self.threshold

    def fmt(self, value: float) -> str:
        unit = _UNITS.get(self.unit, f" {self.unit}" if self.unit else "")
        sep = "" if unit in ("%", "") else " "
        return f"{value:.3g}{sep}{unit}"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Signal:
        return cls(**raw)


@dataclass(frozen=True)
class MetricRef:
    """A series to watch, as the metric catalogue / alert names it."""

    label: str
    namespace: str
    name: str
    dimensions: dict[str, str]
    stat: str = "Average"
    period_s: int = 60
    unit: str = ""
    primary: bool = False


def signals_from_metrics(
    cloudwatch: Any, refs: Sequence[MetricRef], now: datetime, lookback: timedelta
) -> list[Signal]:
    """Read each series over ``lookback`` and keep those that shifted from their baseline."""
    from bot.forecast.changepoint import analyze

    out: list[Signal] = []
    for ref in refs:
        series = read_series(
            cloudwatch,
            MetricQuery(
                ref.namespace,
                ref.name,
                now - lookback,
                now + timedelta(seconds=1),
                dict(ref.dimensions),
                ref.stat,
                ref.period_s,
            ),
        )
        result = analyze(series.values, series.timestamps)
        if result.changed:
            healthy, bad = result.baseline, result.current
        elif result.resets >= 1 or (result.trend_r2 >= 0.8 and result.trend_per_day > 0):
            # a climb (a leak cut by restarts, a fill): healthy is the low end, bad the peak
            healthy, bad = float(np.percentile(series.values, 10)), max(series.values)
        else:
            continue  # no shift: this series says nothing about the incident
        if abs(bad - healthy) < 1e-9:
            continue
        out.append(
            Signal(
                ref.label,
                ref.namespace,
                ref.name,
                dict(ref.dimensions),
                ref.stat,
                ref.period_s,
                ref.unit,
                round(healthy, 6),
                round(bad, 6),
                ref.primary,
            )
        )
    return out


@dataclass(frozen=True)
class Reading:
    signal: Signal
    value: float | None
    at: datetime | None
    fresh: bool

    @property
    def healthy(self) -> bool:
        return self.fresh and self.value is not None and self.signal.healthy(self.value)

    def text(self) -> str:
        s = self.signal
        if self.value is None:
            return f"{s.label}: no data"
        word = "under" if s.up_is_bad else "over"
        if not self.fresh:
            return f"{s.label}: no data since the action (last {s.fmt(self.value)})"
        if self.healthy:
            return f"{s.label} {s.fmt(self.value)}, back {word} {s.fmt(s.threshold)}"
        return (
            f"{s.label} still {s.fmt(self.value)} (healthy is {word} {s.fmt(s.threshold)}, "
            f"baseline {s.fmt(s.baseline)})"
        )


def read_latest(cloudwatch: Any, signal: Signal, now: datetime, since: datetime) -> Reading:
    lookback = max(timedelta(seconds=5 * signal.period_s), timedelta(minutes=15))
    series = read_series(
        cloudwatch,
        MetricQuery(
            signal.namespace,
            signal.name,
            now - lookback,
            now + timedelta(seconds=1),
            dict(signal.dimensions),
            signal.stat,
            signal.period_s,
        ),
    )
    points = [(t, v) for t, v in zip(series.timestamps, series.values, strict=True) if t <= now]
    if not points:
        return Reading(signal, None, None, False)
    at, value = points[-1]
    return Reading(signal, value, at, at > since)


def judge(readings: Sequence[Reading]) -> bool:
    """Recovered: the primary signal is healthy, or at least half of all signals are."""
    if not readings:
        return True
    if any(r.signal.primary and r.healthy for r in readings):
        return True
    return 2 * sum(1 for r in readings if r.healthy) >= len(readings)


def _wait(clock: Clock, step: timedelta, sleep: Callable[[float], None]) -> None:
    if isinstance(clock, SandboxClock):
        clock.advance(step)
    else:
        sleep(step.total_seconds())


class MetricVerifier:
    """A ``flows.Verifier`` reading the request's stored signals from CloudWatch."""

    def __init__(
        self,
        *,
        window: timedelta = DEFAULT_WINDOW,
        step: timedelta = DEFAULT_STEP,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.window, self.step, self.sleep = window, step, sleep

    def __call__(
        self, ctx: ActionContext, spec: ActionSpec, params: Params, req: Any
    ) -> VerifyOutcome:
        raw = (req.result or {}).get("verify_signal") or {}
        signals = [Signal.from_json(s) for s in raw.get("signals", [])]
        since = ctx.clock.now()
        before = (req.result or {}).get("before", {})
        if not signals:
            if spec.verify is not None:
                return self._own_check(ctx, spec, params, before)
            return VerifyOutcome.unchecked(NO_SIGNAL)
        cloudwatch = ctx.client("cloudwatch")
        waited = timedelta(0)
        readings: list[Reading] = []
        while waited < self.window:
            _wait(ctx.clock, self.step, self.sleep)
            waited += self.step
            now = ctx.clock.now()
            readings = [read_latest(cloudwatch, s, now, since) for s in signals]
            if judge(readings):
                break
        minutes = f"{waited.total_seconds() / 60:.0f} min"
        text = "; ".join(r.text() for r in readings)
        if not judge(readings):
            return VerifyOutcome(False, f"not recovered within {minutes}: {text}")
        if spec.verify is not None:
            own = spec.verify(ctx, params, before)
            if not own.recovered:
                return VerifyOutcome(False, f"metrics recovered ({text}) but {own.detail}")
            text = f"{text}; {own.detail}"
        return VerifyOutcome(True, f"recovered after {minutes}: {text}")

    def _own_check(
        self, ctx: ActionContext, spec: ActionSpec, params: Params, before: Any
    ) -> VerifyOutcome:
        """No metric to watch: poll the action's own check (instances coming InService, an
        invalidation completing) up to the window."""
        assert spec.verify is not None
        outcome = spec.verify(ctx, params, before)
        waited = timedelta(0)
        while not outcome.recovered and waited < self.window:
            _wait(ctx.clock, self.step, self.sleep)
            waited += self.step
            outcome = spec.verify(ctx, params, before)
        return outcome
