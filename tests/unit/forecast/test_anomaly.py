"""The online detector flags spikes, drops and level shifts, and stays quiet on steady noise."""

from __future__ import annotations

import numpy as np
import pytest

from bot.forecast.anomaly import AnomalyDetector
from bot.forecast.models import AnomalyKind, AnomalyScore

STEP = 300.0  # 5-minute samples, epoch seconds


def run(values: np.ndarray) -> list[AnomalyScore]:
    det = AnomalyDetector()
    return [det.update(1_700_000_000 + i * STEP, float(v)) for i, v in enumerate(values)]


def noise(n: int = 1500, seed: int = 3) -> np.ndarray:
    return 50.0 + np.random.default_rng(seed).normal(0.0, 2.0, n)


def flagged(scores: list[AnomalyScore], lo: int, hi: int) -> list[AnomalyScore]:
    return [s for s in scores[lo:hi] if s.is_anomaly]


def test_steady_noise_is_not_flagged() -> None:
    scores = run(noise(3000))
    hits = flagged(scores, 200, 3000)
    assert len(hits) <= 2, [(s.timestamp, s.score) for s in hits]


@pytest.mark.parametrize(("delta", "kind"), [(40.0, AnomalyKind.SPIKE), (-40.0, AnomalyKind.DROP)])
def test_spike_and_drop_are_flagged_with_their_direction(delta: float, kind: AnomalyKind) -> None:
    values = noise()
    values[1000] += delta
    scores = run(values)
    hit = scores[1000]
    assert hit.is_anomaly and hit.kind is kind, hit
    assert hit.band[0] < hit.expected < hit.band[1]
    assert not (hit.band[0] <= hit.value <= hit.band[1]), "the band says what normal looks like"
    assert not flagged(scores, 200, 995)


def test_level_shift_is_flagged_soon_after_it_starts() -> None:
    values = noise()
    values[1000:] += 8.0  # four noise standard deviations, sustained
    scores = run(values)
    hits = flagged(scores, 1000, 1030)
    assert hits, max(s.score for s in scores[1000:1030])
    assert not flagged(scores, 200, 1000)


def test_daily_pattern_break_is_flagged() -> None:
    t = np.arange(288 * 8)  # eight days of 5-minute samples
    values = 50 + 20 * np.sin(2 * np.pi * t / 288) + np.random.default_rng(5).normal(0, 1, len(t))
    values[288 * 6 : 288 * 6 + 144] = 50.0  # the cycle stops for half a day, inside the range
    scores = run(values)
    assert flagged(scores, 288 * 6, 288 * 6 + 144)
    assert len(flagged(scores, 400, 288 * 6)) <= 2


def test_scores_stay_in_unit_interval_and_reject_nothing_odd() -> None:
    values = np.concatenate([np.zeros(100), np.full(100, 1e9), noise(100)])
    for s in run(values):
        assert 0.0 <= s.score <= 1.0
