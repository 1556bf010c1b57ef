"""The BM25 index over past incidents, kept up to date one document at a time.

The rows (``SimilarityDoc``: the terms of each investigated incident) are the truth; the index
is a cache per database. When this process remembers an incident (``changed``) or
``service.index_key`` changes (a doc added or replaced by another replica, an incident resolved:
its resolution note is indexed too; asked at most every ``RECHECK_S`` seconds), only the docs
written or resolved since the last look are read and put into the index; a doc removed (the
count went down) rebuilds it. Scoring is BM25 as Lucene computes it (``bm25s``'s default, which
this index used to be built with): the postings are kept per term, and IDF and the average
document length are taken at query time, so adding a document gives the same scores as
rebuilding. A search touches the postings of the query's terms only: milliseconds at tens of
thousands of incidents.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.history import service
from bot.history.terms import note_terms

log = logging.getLogger(__name__)

#: a past incident is "similar" only when it shares one of these: a concluded cause or a
#: failure signature (common words alone never make two incidents alike)
ANCHORS = ("cause:", "sig:")
K1, B = 1.5, 0.75  # BM25's term-frequency saturation and length normalization (Lucene's)
EMPTY = "_"  # the one token of a document without terms (it still counts in the averages)


@dataclass(frozen=True)
class Hit:
    incident_id: int
    score: float
    shared: tuple[str, ...]


@dataclass
class SimilarityIndex:
    """BM25 over term lists; ``ids[i]`` is the incident of document ``i``. ``put`` adds a
    document or replaces an incident's."""

    ids: list[int] = field(default_factory=list)
    terms: list[frozenset[str]] = field(default_factory=list)
    _row: dict[int, int] = field(default_factory=dict, repr=False)
    _counts: list[Counter[str]] = field(default_factory=list, repr=False)
    _postings: dict[str, dict[int, int]] = field(default_factory=dict, repr=False)
    _arrays: dict[str, tuple[Any, Any]] = field(default_factory=dict, repr=False)
    _lengths: list[int] = field(default_factory=list, repr=False)
    _total: int = 0
    _length_array: Any = field(default=None, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)  # put vs search

    @classmethod
    def build(cls, ids: Sequence[int], docs: Sequence[Sequence[str]]) -> SimilarityIndex:
        index = cls()
        for incident_id, doc in zip(ids, docs, strict=True):
            index.put(incident_id, doc)
        return index

    def __len__(self) -> int:
        return len(self.ids)

    def put(self, incident_id: int, doc: Sequence[str]) -> None:
        """Add the incident's document, or replace the one it had."""
        with self._guard:
            self._put(incident_id, doc)

    def _put(self, incident_id: int, doc: Sequence[str]) -> None:
        counts = Counter(doc or [EMPTY])
        row = self._row.get(incident_id)
        if row is None:
            row = self._row[incident_id] = len(self.ids)
            self.ids.append(incident_id)
            self.terms.append(frozenset())
            self._counts.append(Counter())
            self._lengths.append(0)
        for term in self._counts[row]:
            del self._postings[term][row]
            self._arrays.pop(term, None)
        for term, tf in counts.items():
            self._postings.setdefault(term, {})[row] = tf
            self._arrays.pop(term, None)
        self._total += counts.total() - self._lengths[row]
        self._lengths[row] = counts.total()
        self._counts[row] = counts
        self.terms[row] = frozenset(doc)
        self._length_array = None

    def _posting(self, term: str) -> tuple[Any, Any]:
        """The rows holding ``term`` and its frequency in each, as arrays (cached per term)."""
        found = self._arrays.get(term)
        if found is None:
            rows = self._postings[term]
            found = (np.fromiter(rows.keys(), dtype=np.int64, count=len(rows)),
                     np.fromiter(rows.values(), dtype=np.float64, count=len(rows)))  # fmt: skip
            self._arrays[term] = found
        return found

    def scores(self, query: Sequence[str]) -> Any:
        """BM25 of every document for ``query`` (a term listed twice counts twice)."""
        n = len(self.ids)
        if self._length_array is None:
            self._length_array = np.asarray(self._lengths, dtype=np.float64)
        norm = K1 * ((1 - B) + B * self._length_array / (self._total / n))
        out = np.zeros(n, dtype=np.float64)
        for term, times in Counter(query).items():
            rows, tf = self._posting(term)
            df = len(rows)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            out[rows] += times * idf * tf / (norm[rows] + tf)
        return out

    def search(self, query: Sequence[str], *, k: int = 3, exclude: int | None = None) -> list[Hit]:
        """The ``k`` closest incidents that share an anchor term with ``query``."""
        with self._guard:
            return self._search(query, k, exclude)

    def _search(self, query: Sequence[str], k: int, exclude: int | None) -> list[Hit]:
        if not self.ids or not query:
            return []
        known = [t for t in query if self._postings.get(t)]
        if not known:
            return []
        scores = self.scores(known)
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


def _doc(row: tuple[int, str, str | None, list[str]]) -> list[str]:
    return row[1].split() + note_terms(row[2], row[3])


def index_for(db: Any) -> SimilarityIndex:
    """The index of ``db``'s past incidents: built once, then brought up to date with the docs
    written or resolved since (rebuilt only when one was removed)."""
    name, now = _name(db), time.monotonic()
    generation = _generation.get(name, 0)
    cached = _cache.get(name)
    if cached and cached.generation == generation and now - cached.checked < RECHECK_S:
        return cached.index
    with _lock:  # one update at a time: a second caller finds the first one's index
        cached = _cache.get(name)
        with db.session() as session:
            key = service.index_key(session=session)
            if cached is not None and cached.key == key and cached.generation == generation:
                cached.checked = now
                return cached.index
            t0 = time.monotonic()
            if cached is not None:
                rows = service.docs(session=session, since=(cached.key[1], cached.key[2]))
                index = cached.index
                for row in rows:
                    index.put(row[0], _doc(row))
                if len(index) == key[0]:
                    _cache[name] = _Cached(key, index, now, generation)
                    log.debug("similar-incident index: %d doc(s) put in %.1f ms", len(rows),
                              (time.monotonic() - t0) * 1000)  # fmt: skip
                    return index
            rows = service.docs(session=session)
        index = SimilarityIndex.build([r[0] for r in rows], [_doc(r) for r in rows])
        _cache[name] = _Cached(key, index, now, generation)
        log.info("similar-incident index: %d incidents in %.0f ms", len(rows),
                 (time.monotonic() - t0) * 1000)  # fmt: skip
        return index
