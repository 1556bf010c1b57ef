"""The similar-incident index is kept up to date one document at a time, and finds what an index
built from scratch with ``bm25s`` (what it was before) finds: the same incidents in the same
order with the same scores, after adds and replacements alike."""

from __future__ import annotations

import random
from collections import Counter

import bm25s
import numpy as np
import pytest

from bot.history.index import ANCHORS, SimilarityIndex

WORDS = (
    [f"w{n}" for n in range(150)]
    + [f"cause:c{n}" for n in range(12)]
    + [f"sig:s{n}" for n in range(8)]
)


def _doc(rng: random.Random) -> list[str]:
    return [rng.choice(WORDS) for _ in range(rng.randint(0, 30))]


def _reference(
    ids: list[int], docs: list[list[str]], query: list[str], k: int
) -> list[tuple[int, float]]:
    """The search as it was: bm25s built over every document, then the anchor rule."""
    model = bm25s.BM25()
    model.index([list(d) or ["_"] for d in docs], show_progress=False)
    known = [t for t in query if t in model.vocab_dict]
    if not known:
        return []
    scores = np.asarray(model.get_scores(known), dtype=np.float64)
    anchors = {t for t in known if t.startswith(ANCHORS)}
    out: list[tuple[int, float]] = []
    for i in np.argsort(-scores, kind="stable"):
        if scores[i] <= 0 or len(out) >= k:
            break
        if anchors & set(docs[i]):
            out.append((ids[i], float(scores[i])))
    return out


def test_adds_and_replacements_score_as_a_fresh_build() -> None:
    rng = random.Random(7)
    docs = {n: _doc(rng) for n in range(1, 301)}
    index = SimilarityIndex.build(list(docs), list(docs.values()))
    for n in range(301, 361):  # new incidents, one at a time
        docs[n] = _doc(rng)
        index.put(n, docs[n])
    for n in rng.sample(sorted(docs), 25):  # re-investigated or resolved: replaced
        docs[n] = _doc(rng)
        index.put(n, docs[n])
    ids = list(docs)
    assert index.ids == ids and len(index) == len(ids)
    compared = 0
    for _ in range(60):
        query = _doc(rng) + [rng.choice(WORDS[150:])]
        want = _reference(ids, [docs[i] for i in ids], query, 5)
        got = [(h.incident_id, h.score) for h in index.search(query, k=5)]
        assert [i for i, _ in got] == [i for i, _ in want]
        assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-5)
        compared += len(want)
    assert compared > 100  # the queries found something to compare


def test_a_replaced_document_no_longer_matches_its_old_terms() -> None:
    index = SimilarityIndex.build([1, 2], [["cause:a", "x"], ["cause:b", "y"]])
    assert [h.incident_id for h in index.search(["cause:a"])] == [1]
    index.put(1, ["cause:b", "z"])
    assert [h.incident_id for h in index.search(["cause:a"])] == []
    assert sorted(h.incident_id for h in index.search(["cause:b"])) == [1, 2]
    assert Counter(index._lengths) == Counter([2, 2])
