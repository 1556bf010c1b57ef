"""Typed results of the forecast package: anomaly scores, forecasts, breach estimates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np


class AnomalyKind(StrEnum):
    NONE = "none"
    SPIKE = "spike"
    DROP = "drop"
    LEVEL_SHIFT = "level_shift"
    TREND_CHANGE = "trend_change"
    PATTERN_BREAK = "pattern_break"


@dataclass(frozen=True)
class AnomalyScore:
    """One point's verdict: how surprising (0..1), what kind, and what normal looked like."""

    timestamp: datetime | float
    value: float
    score: float
    kind: AnomalyKind
    expected: float
    band: tuple[float, float]

    @property
    def is_anomaly(self) -> bool:
        return self.kind is not AnomalyKind.NONE


@dataclass(frozen=True)
class Series:
    """A metric series: timestamps (numpy datetime64[s]) and float values, same length."""

    timestamps: np.ndarray
    values: np.ndarray

    @classmethod
    def of(
        cls, timestamps: list[datetime] | np.ndarray, values: list[float] | np.ndarray
    ) -> Series:
        ts = np.asarray(timestamps, dtype="datetime64[s]")
        vs = np.asarray(values, dtype=float)
        if ts.shape != vs.shape:
            from bot.errors import UserError

            raise UserError(f"series has {len(ts)} timestamps but {len(vs)} values")
        return cls(timestamps=ts, values=vs)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def step(self) -> np.timedelta64:
        """The median sample spacing."""
        if len(self.timestamps) < 2:
            return np.timedelta64(3600, "s")
        return np.timedelta64(int(np.median(np.diff(self.timestamps).astype("int64"))), "s")


@dataclass(frozen=True)
class Forecast:
    """Point forecast with 80% and 95% prediction intervals at future timestamps."""

    timestamps: np.ndarray
    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    model: str
    season_length: int


@dataclass(frozen=True)
class Breach:
    """When a series is expected to cross a threshold; eta_lo/eta_hi bound the 80% interval.

    ``eta_lo`` is the earliest plausible crossing (the pessimistic side), ``eta_hi`` the latest;
    ``eta_hi`` is None when even the optimistic path does not cross within the horizon.
    """

    threshold: float
    eta: datetime
    eta_lo: datetime
    eta_hi: datetime | None
    method: str

    def describe(self, now: datetime, metric: str = "value") -> str:
        def days(t: datetime) -> float:
            return (t - now) / timedelta(days=1)

        if self.method == "already":
            return f"{metric} is at or above {self.threshold:g}%"
        unit, scale = ("hours", 24.0) if self.eta - now < timedelta(hours=48) else ("days", 1.0)

        def fmt(t: datetime) -> str:
            v = days(t) * scale
            return f"{v:.0f}" if v >= 10 else f"{v:.1f}"

        hi = fmt(self.eta_hi) if self.eta_hi else "beyond the horizon"
        return (
            f"{metric} reaches {self.threshold:g}% in ~{fmt(self.eta)} {unit} "
            f"({fmt(self.eta_lo)}–{hi})"
        )
