"""When will a resource cross 80 / 90 / 100 %? ("disk reaches 90% in ~6 days (4–8)")

Two estimates, combined:

- **Trend extrapolation** (long horizons, e.g. 30 days): a Theil–Sen line through the recent
  history, robust to spikes and to a daily cycle (each pairwise slope spans whole cycles on
  average). The central estimate is where the line crosses; the interval comes from Sen's
  rank-based 80% slope interval (steeper slope → earlier crossing) plus the residual spread around
  the line (a path one residual quantile above the line crosses earlier). Used when the slope's
  interval excludes zero in the direction of the threshold, i.e. the trend is steady.
- **Forecast path** (the model's 24–48 h forecast): the first step where the mean / upper /
  lower band reaches the threshold. Used when there is no steady trend but the forecast (e.g. a
  seasonal peak) crosses within its horizon, and to tighten the earliest bound when its upper
  band crosses before the trend says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from bot.forecast.forecast import theil_sen
from bot.forecast.models import Breach, Forecast, Series

TREND_WINDOW = np.timedelta64(14, "D")  # the trend is fitted on the last two weeks


def _to_datetime(t: np.datetime64) -> datetime:
    seconds = t.astype("datetime64[s]").astype("int64")
    return datetime.fromtimestamp(int(seconds), tz=UTC)


def _first_crossing(path: np.ndarray, stamps: np.ndarray, threshold: float) -> datetime | None:
    hit = np.flatnonzero(path >= threshold)
    return _to_datetime(stamps[hit[0]]) if len(hit) else None


@dataclass(frozen=True)
class _Trend:
    t0: np.datetime64
    slope: float
    intercept: float
    s_lo: float
    s_hi: float
    spread: float


def _fit_trend(series: Series) -> _Trend | None:
    recent = series.timestamps >= series.timestamps[-1] - TREND_WINDOW
    ts, ys = series.timestamps[recent], series.values[recent]
    if len(ys) < 6:
        return None
    t0 = ts[-1]
    x = (ts - t0).astype("timedelta64[s]").astype(float) / 86400.0  # days, 0 = now
    slope, intercept, s_lo, s_hi = theil_sen(x, ys)
    resid = ys - (intercept + slope * x)
    return _Trend(t0, slope, intercept, s_lo, s_hi, float(np.quantile(np.abs(resid), 0.8)))


def _trend_breach(trend: _Trend | None, threshold: float) -> Breach | None:
    if trend is None or trend.s_lo <= 0:  # no steady upward trend
        return None
    t0 = trend.t0
    now = _to_datetime(t0)

    def at(days: float) -> datetime:
        return _to_datetime(t0 + np.timedelta64(int(max(days, 0.0) * 86400), "s"))

    gap = threshold - trend.intercept
    if gap <= 0:
        return Breach(threshold, now, now, now, "already")
    eta = at(gap / trend.slope)
    eta_lo = at(max(gap - trend.spread, 0.0) / trend.s_hi)
    eta_hi = at((gap + trend.spread) / trend.s_lo)
    return Breach(threshold, eta, eta_lo, eta_hi, "trend")


def estimate_breach(
    series: Series, forecast: Forecast | None, thresholds: Sequence[float] = (80, 90, 100)
) -> list[Breach]:
    """Expected crossings of each threshold not yet reached, earliest first.

    A threshold the series already sits above (its recent median) is reported with method
    ``already`` and eta = the last timestamp.
    """
    out: list[Breach] = []
    now = _to_datetime(series.timestamps[-1])
    level_now = float(np.median(series.values[-min(len(series), 6) :]))
    fitted = _fit_trend(series) if level_now < max(thresholds, default=0) else None
    for thr in sorted(thresholds):
        if level_now >= thr:
            out.append(Breach(float(thr), now, now, now, "already"))
            continue
        trend = _trend_breach(fitted, float(thr))
        path = None
        if forecast is not None:
            eta = _first_crossing(forecast.mean, forecast.timestamps, thr)
            lo = _first_crossing(forecast.hi80, forecast.timestamps, thr)
            hi = _first_crossing(forecast.lo80, forecast.timestamps, thr)
            if eta is not None and lo is not None:
                path = Breach(float(thr), eta, lo, hi, f"forecast:{forecast.model}")
        if trend is not None and path is not None:
            # Both see it coming: the trend's centre, the earlier of the two earliest bounds.
            out.append(
                Breach(
                    float(thr),
                    trend.eta,
                    min(trend.eta_lo, path.eta_lo),
                    trend.eta_hi,
                    "trend+forecast",
                )
            )
        elif trend is not None:
            out.append(trend)
        elif path is not None:
            out.append(path)
    return out
