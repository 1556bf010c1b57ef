"""The storm election's model-selection harness (``tests/bench/storm_cv.py``): a choice is
scored only on storms it was not made on. Synthetic tables of hits (candidates x storms)."""

from __future__ import annotations

from tests.bench.storm_cv import choose, grid, k_fold


def test_choose_takes_the_most_right_and_ties_go_to_the_simpler() -> None:
    table = [[True, False, False], [True, True, False], [False, True, True]]
    assert choose(table, [0, 1]) == 1  # 2 right against 1 and 1
    assert choose(table, [1, 2]) == 2
    assert choose(table, [0]) == 0  # 0 and 1 tie: the one listed first


def test_cross_validation_does_not_credit_a_candidate_for_the_storms_it_was_chosen_on() -> None:
    # candidate 1 is right on exactly the storms where candidate 0 is wrong, and they split the
    # storms evenly: whichever the training folds prefer loses on the test fold more often
    # than a fixed choice would, so the pooled score is below either candidate's in-sample 50%
    n = 20
    zero = [i % 2 == 0 for i in range(n)]
    table = [zero, [not r for r in zero]]
    cv = k_fold(table, folds=5, repeats=10, seed=1)
    assert cv.total == n * 10
    assert cv.share < 0.5
    assert sum(cv.chosen.values()) == 5 * 10


def test_a_candidate_right_everywhere_is_chosen_every_time_and_scores_in_full() -> None:
    table = [[False] * 12, [True] * 12, [True] * 6 + [False] * 6]
    cv = k_fold(table, folds=4, repeats=3, seed=7)
    assert cv.share == 1.0
    assert set(cv.chosen) == {1}
    assert cv.per_repeat == (1.0, 1.0, 1.0)


def test_the_grid_lists_the_simplest_election_first() -> None:
    candidates = grid()
    first = candidates[0].config
    assert (first.storm_own_weight, first.storm_fan_in_power) == (0.0, 0.0)
    assert len({c.name for c in candidates}) == len(candidates)
