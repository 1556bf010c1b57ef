"""bench_rca's corpora: each later third-party set splits into dev and held-out by its own
heldout.txt, the two parts are disjoint and make the whole set, and an unknown name is refused."""

from __future__ import annotations

import pytest

from tests.bench.bench_rca import DEFAULT, SPLIT_SETS, corpus, heldout_names


@pytest.mark.parametrize("name", sorted(SPLIT_SETS))
def test_a_set_splits_into_dev_and_held_out_by_its_own_listing(name: str) -> None:
    dev, held, every = corpus(name), corpus(f"{name}-heldout"), corpus(f"{name}-all")
    assert dev and held
    assert not {p.stem for p in dev} & {p.stem for p in held}
    assert sorted(dev + held) == every
    assert {p.stem for p in held} == heldout_names(SPLIT_SETS[name])
    assert len(held) == len(every) // 3


def test_an_unknown_corpus_is_refused_by_name() -> None:
    with pytest.raises(SystemExit, match="thirdparty3-dev"):
        corpus("thirdparty3-dev")


def test_the_fourth_set_is_scored_only_when_named() -> None:
    assert "thirdparty4" not in DEFAULT and "thirdparty3" in DEFAULT
    assert corpus("thirdparty4") and corpus("thirdparty4-heldout")


def test_the_aiopslab_set_is_scored_only_when_named() -> None:
    assert "aiopslab" not in DEFAULT
    assert corpus("aiopslab") and corpus("aiopslab-heldout") and corpus("aiopslab-all")
