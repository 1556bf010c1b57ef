"""The BM25 index over past incidents (``bm25s``), rebuilt from the database when it changed.

The rows (``SimilarityDoc``: the terms of each investigated incident) are the truth; the index
is a cache per database, rebuilt when this process remembers an incident (``changed``) or when
``service.index_key`` changes (a doc added or replaced by another replica, an incident resolved:
its resolution note is indexed too), which is asked at most every ``RECHECK_S`` seconds. A
search is one scoring pass over a sparse matrix, so it stays in milliseconds at tens of
thousands of incidents.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import bm25s
import numpy as np

from bot.history import service
from bot.history.terms import note_terms

log = logging.getLogger(__name__)

#: a past incident is "similar" only when it shares one of these: a concluded cause or a
#: failure signature (common words alone never make two incidents alike)
ANCHORS = ("cause:", "sig:")


@dataclass(frozen=True)
class Hit:
    incident_id: int
    score: float
    shared: tuple[str, ...]


@dataclass
class SimilarityIndex:
    """BM25 over term lists; ``ids[i]`` is the incident of document ``i``."""

    ids: list[int]
    terms: list[frozenset[str]]
    model: Any = field(default=None, repr=False)

    @classmethod
    def build(cls, ids: Sequence[int], docs: Sequence[Sequence[str]]) -> SimilarityIndex:
        model = None
        if ids:
            model = bm25s.BM25()
            model.index([list(d) or ["_"] for d in docs], show_progress=False)
        return cls(list(ids), [frozenset(d) for d in docs], model)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: Sequence[str], *, k: int = 3, exclude: int | None = None) -> list[Hit]:
        """The ``k`` closest incidents that share an anchor term with ``query``."""
        if self.model is None or not query:
            return []
        vocab = self.model.vocab_dict
        known = [t for t in query if t in vocab]
        if not known:
            return []
        scores = np.asarray(self.model.get_scores(known), dtype=np.float64)
        anchors = {t for t in known if t.startswith(ANCHORS)}
        weights = Counter(known)
        order = np.argsort(-scores, kind="stable")
        hits: list[Hit] = []
        for i in order:
            if scores[i] <= 0 or len(hits) >= k:
                break
            if self.ids[i] == exclude or not (anchors & self.terms[i]):
                continue
            shared = sorted(set(weights) & self.terms[i], key=lambda t: (-weights[t], t))
            hits.append(Hit(self.ids[i], float(scores[i]), tuple(shared[:4])))
        return hits


#: how long a cached index is trusted without asking the database whether it changed (writes
#: through ``changed()`` in this process are seen at once; other replicas' within this)
RECHECK_S = 5.0


@dataclass
class _Cached:
    key: tuple[Any, ...]
    index: SimilarityIndex
    checked: float  # time.monotonic() of the last key check
    generation: int  # of this process' own writes, when it was built


_lock = threading.Lock()
_cache: dict[str, _Cached] = {}
_generation: dict[str, int] = {}


def _name(db: Any) -> str:
    return str(db.engine.url.render_as_string(hide_password=True))


def changed(db: Any) -> None:
    """This process wrote a doc: the next search rebuilds (no waiting for ``RECHECK_S``)."""
    name = _name(db)
    with _lock:
        _generation[name] = _generation.get(name, 0) + 1


def index_for(db: Any) -> SimilarityIndex:
    """The index of ``db``'s past incidents, rebuilt only when the rows changed."""
    name, now = _name(db), time.monotonic()
    generation = _generation.get(name, 0)
    cached = _cache.get(name)
    if cached and cached.generation == generation and now - cached.checked < RECHECK_S:
        return cached.index
    with _lock:  # one build at a time: a second caller finds the first one's index
        cached = _cache.get(name)
        with db.session() as session:
            key = service.index_key(session=session)
            if cached is not None and cached.key == key and cached.generation == generation:
                cached.checked = now
                return cached.index
            rows = service.docs(session=session)
        t0 = time.monotonic()
        ids = [r[0] for r in rows]
        docs = [r[1].split() + note_terms(r[2], r[3]) for r in rows]
        index = SimilarityIndex.build(ids, docs)
        _cache[name] = _Cached(key, index, now, generation)
        log.info("similar-incident index: %d incidents in %.0f ms", len(ids),
                 (time.monotonic() - t0) * 1000)  # fmt: skip
        return index
