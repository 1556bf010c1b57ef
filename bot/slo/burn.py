"""Error budgets and multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on
SLOs", recommendation 6).

An SLI series is per step: ``good`` and ``total`` events (for a latency SLI, one "event" per
step that is good when the metric is at or under the threshold). The error ratio over a window
is ``1 - Σgood / Σtotal``; the **burn rate** is that ratio divided by the budget
(``1 - target``): 1 spends exactly the budget over the SLO window, 14.4 spends 2 % of a 30-day
budget in one hour. An alert fires when BOTH its long and its short window burn faster than its
factor: the long window proves it is significant, the short one that it is still happening
(so the alert resets soon after the burning stops).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np


@dataclass(frozen=True)
class BurnWindow:
    severity: str  # page | ticket
    long: timedelta
    short: timedelta
    factor: float

    @property
    def budget_spent(self) -> float:
        """Fraction of a 30-day budget this alert needs spent within its long window."""
        return self.factor * self.long / timedelta(days=30)


WORKBOOK: tuple[BurnWindow, ...] = (
    BurnWindow("page", timedelta(hours=1), timedelta(minutes=5), 14.4),
    BurnWindow("page", timedelta(hours=6), timedelta(minutes=30), 6.0),
    BurnWindow("ticket", timedelta(days=1), timedelta(hours=2), 3.0),
    BurnWindow("ticket", timedelta(days=3), timedelta(hours=6), 1.0),
)


@dataclass(frozen=True)
class SliSeries:
    timestamps: np.ndarray  # datetime64[s], ascending (naive UTC)
    good: np.ndarray
    total: np.ndarray

    @classmethod
    def of(
        cls,
        stamps: Sequence[datetime],
        good: Sequence[float] | np.ndarray,
        total: Sequence[float] | np.ndarray,
    ) -> SliSeries:
        ts = np.array(
            [np.datetime64(t.replace(tzinfo=None), "s") for t in stamps], dtype="datetime64[s]"
        )  # typed even when empty (no data in the window)
        return cls(ts, np.asarray(good, dtype=float), np.asarray(total, dtype=float))

    def window(self, end: datetime, length: timedelta) -> tuple[float, float]:
        """(Σgood, Σtotal) over ``(end - length, end]``."""
        stop = np.datetime64(end.replace(tzinfo=None), "s")
        start = stop - np.timedelta64(int(length.total_seconds()), "s")
        mask = (self.timestamps > start) & (self.timestamps <= stop)
        return float(self.good[mask].sum()), float(self.total[mask].sum())


def error_ratio(series: SliSeries, end: datetime, length: timedelta) -> float | None:
    good, total = series.window(end, length)
    if total <= 0:
        return None
    return max(0.0, 1.0 - good / total)


def burn_rate(series: SliSeries, end: datetime, length: timedelta, budget: float) -> float | None:
    ratio = error_ratio(series, end, length)
    return None if ratio is None else ratio / budget


@dataclass(frozen=True)
class BurnAlert:
    window: BurnWindow
    long_rate: float | None
    short_rate: float | None

    @property
    def firing(self) -> bool:
        f = self.window.factor
        return (self.long_rate or 0.0) >= f and (self.short_rate or 0.0) >= f

    def describe(self) -> str:
        w = self.window
        return (
            f"{w.severity}: burn {_rate(self.long_rate)} over {_dur(w.long)} and "
            f"{_rate(self.short_rate)} over {_dur(w.short)} (alert at {w.factor:g}x)"
        )


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}x"


def _dur(d: timedelta) -> str:
    s = int(d.total_seconds())
    if s % 86400 == 0:
        return f"{s // 86400}d"
    if s % 3600 == 0:
        return f"{s // 3600}h"
    return f"{s // 60}m"


def burn_alerts(
    series: SliSeries, end: datetime, budget: float, windows: Sequence[BurnWindow] = WORKBOOK
) -> list[BurnAlert]:
    return [
        BurnAlert(
            w, burn_rate(series, end, w.long, budget), burn_rate(series, end, w.short, budget)
        )
        for w in windows
    ]


@dataclass(frozen=True)
class BudgetStatus:
    error_ratio: float | None
    budget: float
    consumed: float  # fraction of the window's budget spent (may exceed 1)
    alerts: list[BurnAlert]

    @property
    def remaining(self) -> float:
        return 1.0 - self.consumed

    @property
    def firing(self) -> list[BurnAlert]:
        return [a for a in self.alerts if a.firing]


def budget_status(
    series: SliSeries,
    end: datetime,
    window: timedelta,
    budget: float,
    windows: Sequence[BurnWindow] = WORKBOOK,
) -> BudgetStatus:
    """Budget spent over the SLO window so far, and every burn alert's state at ``end``."""
    ratio = error_ratio(series, end, window)
    consumed = 0.0 if ratio is None else ratio / budget
    return BudgetStatus(ratio, budget, consumed, burn_alerts(series, end, budget, windows))
