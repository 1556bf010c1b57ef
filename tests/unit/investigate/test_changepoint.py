"""Change-point detection on synthetic series: each shape is found, noise alone is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bot.forecast.changepoint import analyze

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def times(n: int, step: timedelta = timedelta(minutes=1)) -> list[datetime]:
    return [T0 + i * step for i in range(n)]


def noisy(values: np.ndarray, sd: float, seed: int = 1) -> list[float]:
    return list(values + np.random.default_rng(seed).standard_normal(values.size) * sd)


def test_step_up_is_found_with_its_onset() -> None:
    v = np.full(360, 0.2)
    v[300:] = 1.5
    result = analyze(noisy(v, 0.02), times(360))
    assert result.changed and result.direction == "up" and result.shape == "step"
    assert result.onset is not None and abs((result.onset - T0).total_seconds() / 60 - 300) <= 2
    assert result.current == pytest.approx(1.5, abs=0.05)


def test_drop_to_zero() -> None:
    v = np.full(200, 240.0)
    v[180:] = 0.0
    result = analyze(noisy(v, 8.0), times(200))
    assert result.changed and result.direction == "down"
    assert result.current < 12


def test_ramp_is_a_ramp() -> None:
    v = np.full(360, 600.0)
    v[300:330] = np.linspace(600, 2900, 30)
    v[330:] = 2900
    result = analyze(noisy(v, 40), times(360))
    assert result.changed and result.shape == "ramp"


def test_spike_that_recovered() -> None:
    v = np.full(360, 2.0)
    v[340:344] = 60.0
    result = analyze(noisy(v, 1.0), times(360))
    assert not result.changed and result.recovered and result.shape == "spike"


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_noise_and_a_daily_wave_are_not_changes(seed: int) -> None:
    t = np.arange(360)
    v = 2400 + 300 * np.sin(2 * np.pi * t / 1440)
    result = analyze(noisy(v, 60, seed), times(360))
    assert not result.changed and not result.recovered


def test_linear_trend_over_weeks() -> None:
    n = 21 * 24
    v = 30 + 2.4 * np.arange(n) / 24
    result = analyze(noisy(v, 0.15), times(n, timedelta(hours=1)))
    assert result.trend_per_day == pytest.approx(2.4, rel=0.05)
    assert result.trend_r2 > 0.95


def test_sawtooth_of_a_leak() -> None:
    cycle = np.linspace(34, 100, 60)
    v = np.concatenate([cycle, cycle, cycle, cycle[:10]])
    result = analyze(noisy(v, 0.8), times(v.size, timedelta(minutes=5)))
    assert result.resets == 3 and result.climb_r2 > 0.9


def test_short_series_is_not_analyzed() -> None:
    assert not analyze([1.0, 2.0, 3.0], times(3)).changed
