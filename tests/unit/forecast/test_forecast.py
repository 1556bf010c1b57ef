"""Forecasts, breach times and the capacity chart on generated series with a known truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from bot.errors import UserError
from bot.forecast.breach import estimate_breach
from bot.forecast.chart import render_capacity_chart
from bot.forecast.forecast import forecast, forecast_many, season_length_for, theil_sen
from bot.forecast.models import Series

START = np.datetime64("2025-03-01T00:00:00")
HOUR = np.timedelta64(3600, "s")


def disk(days: int = 21, slope: float = 2.0, base: float = 40.0, seed: int = 1) -> Series:
    """Hourly disk usage: steady growth, a daily cycle, noise."""
    t = np.arange(days * 24)
    rng = np.random.default_rng(seed)
    y = base + slope * t / 24 + 0.8 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.2, len(t))
    return Series(START + t * HOUR, y)


def as_dt(t: np.datetime64) -> datetime:
    return datetime.fromtimestamp(int(t.astype("datetime64[s]").astype("int64")), tz=UTC)


def test_daily_season_is_detected_for_hourly_data() -> None:
    assert season_length_for(disk()) == 24
    minutes = Series(START + np.arange(500) * np.timedelta64(60, "s"), np.ones(500))
    assert season_length_for(minutes) == 1


@pytest.mark.parametrize("method", ["linear", "ets"])
def test_forecast_follows_trend_and_season_with_ordered_intervals(method: str) -> None:
    s = disk()
    fc = forecast(s, 48, method=method)
    assert fc.model == method and len(fc.mean) == 48
    t = np.arange(len(s), len(s) + 48)
    truth = 40 + 2.0 * t / 24 + 0.8 * np.sin(2 * np.pi * t / 24)
    assert np.mean(np.abs(fc.mean - truth)) < 0.5
    assert np.all(fc.lo95 <= fc.lo80) and np.all(fc.lo80 <= fc.mean)
    assert np.all(fc.mean <= fc.hi80) and np.all(fc.hi80 <= fc.hi95)
    assert fc.timestamps[0] == s.timestamps[-1] + HOUR


def test_trend_series_crosses_at_the_right_time() -> None:
    s = disk()  # 40 + 2/day: 21 days → ~82%, 90% is 4 days after the last point
    now = as_dt(s.timestamps[-1])
    true_90 = as_dt(START) + timedelta(days=25)
    breaches = {b.threshold: b for b in estimate_breach(s, forecast(s, 48, method="linear"))}
    assert breaches[80.0].method == "already"
    b90 = breaches[90.0]
    error = abs((b90.eta - true_90) / (true_90 - now))
    assert error < 0.1, (b90, true_90)
    assert b90.eta_hi is not None  # a rising trend crosses at its upper bound too
    assert b90.eta_lo <= b90.eta <= b90.eta_hi
    assert "90% in ~" in b90.describe(now, "disk")
    b100 = breaches[100.0]
    assert abs((b100.eta - (as_dt(START) + timedelta(days=30))) / timedelta(days=9)) < 0.1


def test_flat_series_has_no_breach() -> None:
    s = disk(slope=0.0)
    assert estimate_breach(s, forecast(s, 48, method="linear")) == []


def test_theil_sen_ignores_outliers() -> None:
    x = np.arange(100, dtype=float)
    y = 3.0 * x + 5
    y[::10] += 500  # every tenth point is wild
    slope, intercept, lo, hi = theil_sen(x, y)
    assert slope == pytest.approx(3.0) and lo <= slope <= hi


def test_bad_input_is_a_user_error() -> None:
    with pytest.raises(UserError):
        forecast(disk(), 0)
    with pytest.raises(UserError):
        forecast(Series(START + np.arange(3) * HOUR, np.ones(3)), 5)
    with pytest.raises(UserError):
        forecast(disk(), 5, method="magic")
    with pytest.raises(UserError):
        Series.of(np.array([START]), [1.0, 2.0])


def test_forecast_many_matches_single_forecasts() -> None:
    many = [disk(seed=i) for i in range(3)]
    out = forecast_many(many, 24, jobs=2)
    for s, fc in zip(many, out, strict=True):
        assert np.allclose(fc.mean, forecast(s, 24, method="linear").mean)


def test_capacity_chart_png_is_drawn(tmp_path: Path) -> None:
    s = disk()
    fc = forecast(s, 24 * 7, method="linear")
    breaches = estimate_breach(s, fc)
    path = render_capacity_chart(s, fc, [80, 90, 100], breaches, "disk on db", tmp_path / "c.png")
    assert path.stat().st_size > 20_000
    img = mpimg.imread(path)
    assert img.shape[:2] == (600, 1200)
    assert float(img[..., :3].std()) > 0.05  # not blank
    # the breach line is drawn in red somewhere in the plot area
    red = (img[..., 0] > 0.7) & (img[..., 1] < 0.3) & (img[..., 2] < 0.3)
    assert red.sum() > 100
