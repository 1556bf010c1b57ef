"""Fitting the storm verdicts' confidences (``tests/bench/storm_calibrate.py``): per basis,
each bin's share of right verdicts, shrunk towards its basis's share; synthetic outcomes."""

from __future__ import annotations

from tests.bench.storm_calibrate import Outcome, apply, brier, fit


def _outcomes() -> list[Outcome]:
    own = [Outcome("x", "own", 0.6, k < 8) for k in range(10)]  # right 8 in 10
    calls = [Outcome("x", "calls", 0.2 + 0.05 * k, k >= 5) for k in range(10)]  # high ones right
    return own + calls


def test_one_bin_per_basis_is_its_share_of_right_verdicts_shrunk_towards_it() -> None:
    table = fit(_outcomes(), bins=1)
    # own: 8 right of 10; the basis share (8+1)/(10+2) = 0.75 weighs as 2 pseudo-verdicts
    assert table["own"] == [(1.0, round((8 + 2 * 0.75) / 12, 2))]
    assert apply(table, "own", 0.55) == table["own"][0][1]
    assert apply(table, "change", 0.8) == 0.8  # a basis never seen keeps its raw confidence


def test_two_bins_separate_what_the_raw_confidence_orders() -> None:
    outcomes = _outcomes()
    table = fit(outcomes, bins=2)
    low, high = table["calls"]
    assert low[1] < 0.5 < high[1]
    assert brier(table, outcomes) < min(brier(fit(outcomes, bins=1), outcomes), brier({}, outcomes))


def test_no_bins_keep_the_raw_confidences() -> None:
    assert fit(_outcomes(), bins=0) == {}
