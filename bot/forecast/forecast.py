"""Forecasts with prediction intervals for watched resources (disk, memory, CPU, queues…).

Two models, chosen per series:

- ``ets``: statsforecast's AutoETS with the series' seasonality (daily by default), 80/95%
  intervals from the fitted state-space model. The well-kept library path.
- ``linear``: a robust decomposition written here: Theil–Sen trend + the median seasonal
  profile of the detrended values, intervals from the residual quantiles widened with the
  horizon. Cheap (milliseconds, no fitting loop), so it serves the 1,000-series digest, and it is
  the fallback when the library fails or the series is too short for seasonal ETS.

- ``naive``: the last level (median of the newest points), flat, with intervals that widen like
  a random walk. Hard to beat right after a step, and what seasonal-naive scores against.

``method="auto"`` first looks for a **recent level shift** (the newest points sit far outside
the band of the points before them, in units of the series' own noise): the history before
the shift describes a world that is gone, so only the current regime is modelled, and a regime
too short to fit is forecast naively. Then it fits the candidates (ets, linear, naive) on the
regime minus a holdout, keeps the one with the lower holdout error and refits it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from bot.errors import UserError
from bot.forecast.models import Forecast, Series

log = logging.getLogger(__name__)

METHODS = ("auto", "ets", "linear", "naive")
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


def _level(y: np.ndarray, fresh: bool) -> float:
    """The current level: the last value for a noiseless series; the end of the fitted line
    for a fresh regime that is still moving (a ramp that stopped at now); else the median of
    the newest five points (robust to the last point's noise)."""
    if len(y) < 2 or float(np.median(np.abs(np.diff(y)))) == 0.0:
        return float(y[-1])
    if fresh and len(y) >= 3:
        x = np.arange(len(y), dtype=float)
        slope, intercept, lo, hi = theil_sen(x, y)
        if lo > 0 or hi < 0:  # a steady move: where the line is now
            return float(intercept + slope * x[-1])
    return float(np.median(y[-min(len(y), 5) :]))


def _naive(series: Series, horizon: int, m: int, *, fresh: bool = False) -> Forecast:
    y = series.values
    level = _level(y, fresh)
    tail = y[-min(len(y), 60) :]
    dev = np.abs(tail - np.median(tail))
    steps = np.abs(np.diff(tail)) if len(tail) > 1 else np.zeros(1)
    k = np.arange(1, horizon + 1)
    mean = np.full(horizon, level)
    band = {}
    for lv in (80, 95):
        q = float(np.quantile(dev, lv / 100)) if len(dev) else 0.0
        walk = float(np.quantile(steps, lv / 100)) * np.sqrt(k) * 0.5
        band[lv] = np.maximum(q, walk)
    return Forecast(
        timestamps=future_timestamps(series, horizon),
        mean=mean,
        lo80=mean - band[80],
        hi80=mean + band[80],
        lo95=mean - band[95],
        hi95=mean + band[95],
        model="naive",
        season_length=m,
    )


NAIVE_MARGIN = 1.05  # another model must beat naive's holdout error by 5 %
SHIFT_Z = 6.0  # a level shift moves the median this many noise units
SHIFT_WINDOW = 30  # points before a candidate shift that define the old level
SHIFT_MIN_POST = 3  # a shift needs this many points after it


def _deseasoned(y: np.ndarray, m: int) -> np.ndarray:
    """``y`` minus its median daily profile (trend kept), so a cycle is not taken for a shift."""
    n = len(y)
    if m <= 1 or n < 2 * m:
        return y
    x = np.arange(n, dtype=float)
    slope, intercept, _, _ = theil_sen(x, y)
    detrended = y - (intercept + slope * x)
    phase = np.arange(n) % m
    profile = np.array([np.median(detrended[phase == k]) for k in range(m)])
    return y - (profile - np.median(profile))[phase]


def recent_shift(values: np.ndarray, max_tail: float = 0.5, m: int = 1) -> int | None:
    """Start index of the current regime when a level shift happened in the newest
    ``max_tail`` of the series, else None.

    The noise unit is the robust spread of first differences (MAD/√2), which neither a step nor
    a steady trend inflates. A split at ``k`` counts when the points just after ``k`` sit more
    than ``SHIFT_Z`` units away from where the line through the ``SHIFT_WINDOW`` points before
    ``k`` says they should be (so a steady trend is not a shift) AND the newest points agree
    with the new level (so a single spike is not a regime). The latest such split wins: after
    a ramp, the regime starts where the ramp ended.
    """
    y = _deseasoned(np.asarray(values, dtype=float), m)
    n = len(y)
    w = SHIFT_WINDOW
    if n < w + SHIFT_MIN_POST:
        return None
    sigma = 1.4826 * float(np.median(np.abs(np.diff(y)))) / np.sqrt(2)
    scale = max(sigma, 1e-9 + 1e-6 * float(np.median(np.abs(y))))
    limit = SHIFT_Z * scale
    newest = float(np.median(y[-SHIFT_MIN_POST:]))
    xb = np.arange(w, dtype=float) - (w - 1) / 2.0  # centred x of the window before k
    sxx = float(np.sum(xb * xb))
    first = max(int(n * (1 - max_tail)), w)
    for k in range(n - SHIFT_MIN_POST, first - 1, -1):
        yb = y[k - w : k]
        slope = float(np.dot(xb, yb - yb.mean())) / sxx
        centre = float(np.median(yb - slope * xb))
        near = y[k : min(k + w, n)]
        at = (w - 1) / 2.0 + (len(near) + 1) / 2.0  # the middle of ``near``, in xb units
        jump = float(np.median(near)) - (centre + slope * at)
        if abs(jump) <= limit:
            continue
        expected_newest = centre + slope * ((w - 1) / 2.0 + (n - k) - 1)
        if (
            abs(newest - expected_newest) > limit
            and abs(newest - float(np.median(near))) <= 0.5 * abs(jump) + limit
        ):
            return k
    return None


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
    if method == "naive":
        return _naive(series, horizon, m)
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
    shift = recent_shift(series.values, m=m)
    if shift is not None:  # model only the current regime
        series = Series(series.timestamps[shift:], series.values[shift:])
        if m > 1 and len(series) < 2 * m + 4:
            m = 1
        if len(series) < 30:
            return _naive(series, horizon, m, fresh=True)
    if len(series) < max(3 * m, 30):
        return _linear(series, horizon, m)
    hold = max(min(horizon, len(series) // 5), 1)
    train = Series(series.timestamps[:-hold], series.values[:-hold])
    actual = series.values[-hold:]
    errors = {}
    for name in ("ets", "linear", "naive"):
        fc = _fit(train, hold, m, name)
        if fc.model == name:
            errors[name] = float(np.mean(np.abs(fc.mean - actual)))
    best = min(errors, key=errors.__getitem__) if errors else "linear"
    if "naive" in errors and errors["naive"] <= NAIVE_MARGIN * errors[best]:
        best = "naive"  # the simplest model unless another is clearly better
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
