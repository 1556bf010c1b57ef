"""Forecasts with prediction intervals for watched resources (disk, memory, CPU, queues…).

Two models, chosen per series:

- ``ets``: statsforecast's AutoETS with the series' seasonality (daily by default), 80/95%
  intervals from the fitted state-space model. The well-kept library path.
- ``linear``: a robust decomposition written here: Theil–Sen trend + the median seasonal
  profile of the detrended values, intervals from the residual quantiles widened with the
  horizon. Cheap (milliseconds, no fitting loop), so it serves the 1,000-series digest, and it is
  the fallback when the library fails or the series is too short for seasonal ETS.

``method="auto"`` fits both on the series minus a holdout, keeps the one with the lower holdout
error and refits it on the whole series.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from bot.errors import UserError
from bot.forecast.models import Forecast, Series

log = logging.getLogger(__name__)

METHODS = ("auto", "ets", "linear")
MAX_SEASON = 48  # ETS seasonal models beyond this are slow and rarely better
MAX_SEN_POINTS = 250  # Theil–Sen on at most this many (evenly spaced) points


def season_length_for(series: Series, season_seconds: float = 86400.0) -> int:
    """Points per day when the series is sampled finely enough and spans two days; else 1."""
    step = float(series.step / np.timedelta64(1, "s"))
    if step <= 0:
        return 1
    m = int(round(season_seconds / step))
    if 2 <= m <= MAX_SEASON and len(series) >= 2 * m:
        return m
    return 1


def future_timestamps(series: Series, horizon: int) -> np.ndarray:
    return series.timestamps[-1] + series.step * np.arange(1, horizon + 1)


# -- Theil–Sen trend ----------------------------------------------------------------------------
def theil_sen(
    x: np.ndarray, y: np.ndarray, level: float = 0.8
) -> tuple[float, float, float, float]:
    """Robust line fit: (slope, intercept, slope_lo, slope_hi) with Sen's rank-based interval.

    Long series are thinned to ``MAX_SEN_POINTS`` evenly spaced points (the median slope is
    stable under thinning; the pair count stays ~31,000).
    """
    n = len(x)
    if n < 3:
        raise UserError("need at least 3 points to fit a trend")
    if n > MAX_SEN_POINTS:
        idx = np.linspace(0, n - 1, MAX_SEN_POINTS).astype(int)
        x, y = x[idx], y[idx]
        n = len(x)
    i, j = np.triu_indices(n, k=1)
    dx = x[j] - x[i]
    ok = dx != 0
    slopes = np.sort((y[j] - y[i])[ok] / dx[ok])
    slope = float(np.median(slopes))
    intercept = float(np.median(y - slope * x))
    # Sen (1968): the interval is given by ranks around the median, from Kendall's S variance.
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2)
    c = z * np.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)
    m = len(slopes)
    lo = slopes[max(int((m - c) / 2), 0)]
    hi = slopes[min(int((m + c) / 2) + 1, m - 1)]
    return slope, intercept, float(lo), float(hi)


# -- the cheap robust model ---------------------------------------------------------------------
def _linear(series: Series, horizon: int, m: int) -> Forecast:
    y = series.values
    n = len(y)
    x = np.arange(n, dtype=float)
    slope, intercept, _, _ = theil_sen(x, y)
    detrended = y - (intercept + slope * x)
    if m > 1 and n >= 2 * m:
        phase = np.arange(n) % m
        profile = np.array([np.median(detrended[phase == k]) for k in range(m)])
        profile -= np.median(profile)
    else:
        profile = np.zeros(max(m, 1))
    fitted = intercept + slope * x + profile[np.arange(n) % len(profile)]
    resid = y - fitted
    # Anchor the level on the most recent points: after a step change the line through the whole
    # history is the wrong starting point; the median residual of the last few points corrects it.
    recent = max(min(m, 12), 5)
    shift = float(np.median(resid[-recent:]))
    xf = np.arange(n, n + horizon, dtype=float)
    mean = intercept + shift + slope * xf + profile[np.arange(n, n + horizon) % len(profile)]
    # Residual quantiles, widened like a random walk on the level plus the trend's uncertainty.
    widen = np.sqrt(1.0 + np.arange(1, horizon + 1) / max(n, 1) * 4.0)
    q = {lv: np.quantile(np.abs(resid), lv / 100) for lv in (80, 95)}
    return Forecast(
        timestamps=future_timestamps(series, horizon),
        mean=mean,
        lo80=mean - q[80] * widen,
        hi80=mean + q[80] * widen,
        lo95=mean - q[95] * widen,
        hi95=mean + q[95] * widen,
        model="linear",
        season_length=m,
    )


def _ets(series: Series, horizon: int, m: int) -> Forecast:
    from statsforecast.models import AutoETS

    model = AutoETS(season_length=m, model="AAA" if m > 1 else "AAN")
    out = model.forecast(y=series.values.astype(float), h=horizon, level=[80, 95])
    mean = np.asarray(out["mean"], dtype=float)
    if not np.all(np.isfinite(mean)):
        raise ValueError("AutoETS returned non-finite values")
    return Forecast(
        timestamps=future_timestamps(series, horizon),
        mean=mean,
        lo80=np.asarray(out["lo-80"], dtype=float),
        hi80=np.asarray(out["hi-80"], dtype=float),
        lo95=np.asarray(out["lo-95"], dtype=float),
        hi95=np.asarray(out["hi-95"], dtype=float),
        model="ets",
        season_length=m,
    )


def _fit(series: Series, horizon: int, m: int, method: str) -> Forecast:
    if method == "linear":
        return _linear(series, horizon, m)
    try:
        return _ets(series, horizon, m)
    except Exception as exc:  # the library failed on this series: fall back, say so in the log
        log.info("AutoETS failed (%s); using the linear fallback", exc)
        return _linear(series, horizon, m)


def forecast(
    series: Series,
    horizon: int,
    season_length: int | None = None,
    method: str = "auto",
) -> Forecast:
    """Forecast ``horizon`` steps past the series' last timestamp, with 80/95% intervals."""
    if method not in METHODS:
        raise UserError(f"unknown forecast method {method!r}; choose one of {', '.join(METHODS)}")
    if horizon < 1:
        raise UserError("forecast horizon must be at least one step")
    if len(series) < 8 or not np.all(np.isfinite(series.values)):
        raise UserError("need at least 8 finite values to forecast")
    m = season_length if season_length is not None else season_length_for(series)
    if m > 1 and len(series) < 2 * m + 4:
        m = 1
    if method != "auto":
        return _fit(series, horizon, m, method)
    if len(series) < max(3 * m, 30):
        return _linear(series, horizon, m)
    hold = max(min(horizon, len(series) // 5), 1)
    train = Series(series.timestamps[:-hold], series.values[:-hold])
    actual = series.values[-hold:]
    errors = {}
    for name in ("ets", "linear"):
        fc = _fit(train, hold, m, name)
        if fc.model == name:
            errors[name] = float(np.mean(np.abs(fc.mean - actual)))
    best = min(errors, key=errors.__getitem__) if errors else "linear"
    return _fit(series, horizon, m, best)


def _forecast_job(args: tuple[Series, int, int | None, str]) -> Forecast:
    return forecast(*args)


def forecast_many(
    series: Sequence[Series], horizon: int, method: str = "linear", jobs: int = 1
) -> list[Forecast]:
    """Forecast many series (the weekly digest); ``jobs > 1`` spreads them over processes."""
    tasks = [(s, horizon, None, method) for s in series]
    if jobs <= 1:
        return [_forecast_job(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_forecast_job, tasks, chunksize=max(len(tasks) // (jobs * 4), 1)))


def warm_up() -> None:
    """Load and exercise statsforecast once per process, so the first real call is not slow."""
    t = np.arange(60)
    ts = np.datetime64("2025-01-01T00:00:00") + t * np.timedelta64(3600, "s")
    _fit(Series(ts, 1.0 + 0.01 * t + np.sin(t / 3.8)), 4, 24, "ets")
