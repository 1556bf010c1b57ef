"""Our NAB scorer: null → 0, perfect → 100, and the sigmoid / probation / FP rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.forecast.nab_scoring import (
    CostProfile,
    LabeledSeries,
    load_corpus,
    load_profiles,
    perfect_scores,
    prepare,
    score_corpus,
)

STANDARD = CostProfile("standard", tp_weight=1.0, fp_weight=0.11, fn_weight=1.0)
LOW_FN = CostProfile("reward_low_FN_rate", tp_weight=1.0, fp_weight=0.11, fn_weight=2.0)


def tiny_file(n: int = 1000) -> LabeledSeries:
    ts = np.datetime64("2024-01-01T00:00:00") + np.arange(n) * np.timedelta64(300, "s")
    return LabeledSeries(
        name="tiny.csv", timestamps=ts, windows=((ts[400], ts[449]), (ts[800], ts[849]))
    )


@pytest.mark.parametrize("profile", [STANDARD, LOW_FN])
def test_null_scores_zero_and_perfect_scores_hundred(profile: CostProfile) -> None:
    f = tiny_file()
    null = score_corpus([f], [np.full(1000, 0.5)], profile)
    perfect = score_corpus([f], [perfect_scores(f)], profile)
    assert null.normalized == pytest.approx(0.0)
    assert perfect.normalized == pytest.approx(100.0)
    assert (perfect.tp, perfect.fp, perfect.fn) == (2, 0, 0)


def test_later_detection_in_window_scores_less_and_fp_costs() -> None:
    f = tiny_file()
    early, late = np.zeros(1000), np.zeros(1000)
    early[[400, 800]] = 1.0
    late[[440, 840]] = 1.0
    s_early = score_corpus([f], [early], STANDARD, threshold=0.5)
    s_late = score_corpus([f], [late], STANDARD, threshold=0.5)
    assert s_early.raw == pytest.approx(2.0)
    assert 0 < s_late.raw < s_early.raw
    with_fp = early.copy()
    with_fp[600] = 1.0  # far from any window
    s_fp = score_corpus([f], [with_fp], STANDARD, threshold=0.5)
    assert s_fp.fp == 1 and s_fp.raw < s_early.raw
    # just after a window, a false positive costs less than far from it
    near = early.copy()
    near[452] = 1.0
    assert score_corpus([f], [near], STANDARD, threshold=0.5).raw > s_fp.raw


def test_probation_period_is_ignored() -> None:
    f = tiny_file()
    scores = np.zeros(1000)
    scores[10] = 1.0  # inside the first 15%: not a false positive
    points = prepare(f, STANDARD)
    assert (points.window_ids[:150] == -2).all()
    s = score_corpus([f], [scores], STANDARD, threshold=0.5)
    assert s.fp == 0 and s.fn == 2


def test_threshold_optimisation_finds_the_separating_score() -> None:
    f = tiny_file()
    scores = np.random.default_rng(1).uniform(0.0, 0.6, 1000)
    scores[[401, 801]] = 0.9
    s = score_corpus([f], [scores], STANDARD)
    assert 0.6 < s.threshold <= 0.9 and s.tp == 2 and s.fp == 0


def test_real_nab_corpus_normalises(shared_dir: Path) -> None:
    nab = shared_dir / "data" / "nab"
    series, values = load_corpus(nab)
    profiles = load_profiles(nab / "config" / "profiles.json")
    assert len(series) == 58 and sum(len(s.windows) for s in series) == 116
    perfect = [perfect_scores(s) for s in series]
    for profile in profiles.values():
        assert score_corpus(series, perfect, profile).normalized == pytest.approx(100.0, abs=0.5)
        null = [np.full(len(v), 0.5) for v in values]
        assert score_corpus(series, null, profile).normalized == pytest.approx(0.0)
