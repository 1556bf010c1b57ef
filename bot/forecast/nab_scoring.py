"""The Numenta Anomaly Benchmark's scoring method, written from its published description.

Reference: Lavin & Ahmad, "Evaluating Real-time Anomaly Detection Algorithms – the Numenta
Anomaly Benchmark" (2015) and the NAB README / wiki. The rules implemented here:

- Each labelled anomaly has a *window* (start, end) of data rows. A detection anywhere in a window
  is a true positive; only the **earliest** detection in a window counts, scored by a scaled
  sigmoid of its position: ``2 * sigmoid(-5 * y) - 1`` with ``y = -1`` at the window's left edge
  (≈ +0.987, normalised to exactly ``tp_weight``) and ``y → 0`` at its right edge.
- A detection outside every window is a false positive weighted by ``fp_weight``: ``-1`` before the
  first window, and after a window the same sigmoid of the distance past the window's right edge,
  relative to that window's width (mild right behind the window, ``-1`` far away; ``y > 3 → -1``).
- A window with no detection costs ``fn_weight``.
- The first 15% of each file (at most 750 rows) is a *probation period*: nothing there counts.
- A detector emits a score per row; one threshold per profile is optimised over the whole corpus
  (the threshold that maximises the summed raw score), and rows with ``score >= threshold`` are
  detections.
- Normalisation: ``100 * (raw - null) / (perfect - null)``, where *null* is the raw score of a
  detector that never fires (all windows missed); *perfect* detects every window at its left
  edge.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PROBATION_PERCENT = 0.15
OUTSIDE = -1  # window id of a row outside every window
PROBATION = -2  # window id of a row in the probation period


@dataclass(frozen=True)
class CostProfile:
    name: str
    tp_weight: float
    fp_weight: float
    fn_weight: float


@dataclass(frozen=True)
class LabeledSeries:
    """One NAB file: its row timestamps and its anomaly windows (inclusive timestamps)."""

    name: str
    timestamps: np.ndarray  # datetime64
    windows: tuple[tuple[np.datetime64, np.datetime64], ...]


@dataclass
class ScoredPoints:
    """Per-row scoring data for one file, independent of the detector's output."""

    weights: np.ndarray  # sweep score of a detection at this row (profile-weighted)
    window_ids: np.ndarray  # OUTSIDE, PROBATION, or the index of the window (0..n-1)
    n_windows: int  # windows with at least one row after probation


@dataclass
class CorpusScore:
    profile: str
    threshold: float
    raw: float
    null: float
    perfect: float
    tp: int
    fp: int
    fn: int
    per_file: dict[str, float] = field(default_factory=dict)

    @property
    def normalized(self) -> float:
        span = self.perfect - self.null
        return 100.0 * (self.raw - self.null) / span if span else 0.0


def load_profiles(path: Path) -> dict[str, CostProfile]:
    """Read NAB's ``config/profiles.json``."""
    data = json.loads(Path(path).read_text())
    profiles = {}
    for name, body in data.items():
        cost = body["CostMatrix"]
        profiles[name] = CostProfile(
            name=name,
            tp_weight=float(cost["tpWeight"]),
            fp_weight=float(cost["fpWeight"]),
            fn_weight=float(cost["fnWeight"]),
        )
    return profiles


def probation_length(n_rows: int) -> int:
    return int(min(math.floor(PROBATION_PERCENT * n_rows), PROBATION_PERCENT * 5000))


def _scaled_sigmoid(position: float) -> float:
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def window_bounds(series: LabeledSeries) -> list[tuple[int, int]]:
    """Row index ranges (inclusive) of each window."""
    ts = series.timestamps
    bounds = []
    for start, end in series.windows:
        left = int(np.searchsorted(ts, start, side="left"))
        right = int(np.searchsorted(ts, end, side="right")) - 1
        if right >= left:
            bounds.append((left, right))
    return bounds


def prepare(series: LabeledSeries, profile: CostProfile) -> ScoredPoints:
    """Weight of a detection at each row, and which window (if any) the row belongs to."""
    n = len(series.timestamps)
    weights = np.empty(n, dtype=float)
    ids = np.full(n, OUTSIDE, dtype=np.int64)
    max_tp = _scaled_sigmoid(-1.0)
    bounds = window_bounds(series)
    prev: tuple[int, int] | None = None  # (right index, width) of the last window passed
    k = 0
    i = 0
    while i < n:
        if k < len(bounds) and i == bounds[k][0]:
            left, right = bounds[k]
            width = right - left + 1
            for j in range(left, right + 1):
                weights[j] = _scaled_sigmoid(-(right - j + 1) / width) * profile.tp_weight / max_tp
                ids[j] = k
            prev = (right, width)
            k += 1
            i = right + 1
            continue
        if prev is None:
            weights[i] = -profile.fp_weight
        else:
            right, width = prev
            past = abs(right - i) / float(max(width - 1, 1))
            weights[i] = _scaled_sigmoid(past) * profile.fp_weight
        i += 1
    probation = probation_length(n)
    ids[:probation] = PROBATION
    counted = {int(w) for w in ids if w >= 0}
    return ScoredPoints(weights=weights, window_ids=ids, n_windows=len(counted))


def _raw_score(points: ScoredPoints, detections: np.ndarray, profile: CostProfile) -> tuple:
    """Raw score of one file for a boolean detection mask: (score, tp, fp, fn)."""
    ids = points.window_ids
    fp_mask = detections & (ids == OUTSIDE)
    score = float(points.weights[fp_mask].sum())
    tp = 0
    for wid in {int(w) for w in ids[detections] if w >= 0}:
        rows = np.flatnonzero(detections & (ids == wid))
        score += float(points.weights[rows[0]])  # earliest detection = highest weight
        tp += 1
    fn = points.n_windows - tp
    score -= fn * profile.fn_weight
    return score, tp, int(fp_mask.sum()), fn


def best_threshold(
    prepared: Sequence[ScoredPoints], scores: Sequence[np.ndarray], profile: CostProfile
) -> float:
    """The threshold that maximises the corpus raw score (NAB's per-profile optimisation).

    Sweeps every distinct score from high to low; a window's contribution at a threshold is the
    weight of its earliest row scoring at or above it.
    """
    all_scores: list[np.ndarray] = []
    all_weights: list[np.ndarray] = []
    all_ids: list[np.ndarray] = []
    all_rows: list[np.ndarray] = []
    offset = 0
    total_windows = 0
    for pts, sc in zip(prepared, scores, strict=True):
        keep = pts.window_ids != PROBATION
        ids = pts.window_ids[keep].copy()
        ids[ids >= 0] += offset
        all_scores.append(np.asarray(sc, dtype=float)[keep])
        all_weights.append(pts.weights[keep])
        all_ids.append(ids)
        all_rows.append(np.flatnonzero(keep))
        offset += max(int(pts.window_ids.max()) + 1, 0)
        total_windows += pts.n_windows
    s = np.concatenate(all_scores)
    w = np.concatenate(all_weights)
    ids = np.concatenate(all_ids)
    rows = np.concatenate(all_rows)
    order = np.lexsort((rows, -s))  # descending score; ties: earlier row first
    s, w, ids, rows = s[order], w[order], ids[order], rows[order]
    best_row: dict[int, int] = {}
    best_weight: dict[int, float] = {}
    tp_total = 0.0
    fp_total = 0.0
    fn = total_windows
    best = (-fn * profile.fn_weight, 1.1)  # no detections at all
    n = len(s)
    i = 0
    while i < n:
        thr = s[i]
        while i < n and s[i] == thr:
            wid = int(ids[i])
            if wid == OUTSIDE:
                fp_total += w[i]
            elif wid not in best_row:
                best_row[wid], best_weight[wid] = int(rows[i]), float(w[i])
                tp_total += w[i]
                fn -= 1
            elif rows[i] < best_row[wid]:
                tp_total += w[i] - best_weight[wid]
                best_row[wid], best_weight[wid] = int(rows[i]), float(w[i])
            i += 1
        total = tp_total + fp_total - fn * profile.fn_weight
        if total > best[0]:
            best = (total, float(thr))
    return best[1]


def score_corpus(
    series: Sequence[LabeledSeries],
    scores: Sequence[np.ndarray],
    profile: CostProfile,
    threshold: float | None = None,
) -> CorpusScore:
    """Score a detector's outputs on a corpus: optimise the threshold, sum, normalise."""
    prepared = [prepare(s, profile) for s in series]
    if threshold is None:
        threshold = best_threshold(prepared, scores, profile)
    raw = 0.0
    tp = fp = fn = 0
    per_file = {}
    n_windows = 0
    for ser, pts, sc in zip(series, prepared, scores, strict=True):
        det = np.asarray(sc, dtype=float) >= threshold
        det[pts.window_ids == PROBATION] = False
        f_score, f_tp, f_fp, f_fn = _raw_score(pts, det, profile)
        per_file[ser.name] = f_score
        raw += f_score
        tp, fp, fn = tp + f_tp, fp + f_fp, fn + f_fn
        n_windows += pts.n_windows
    return CorpusScore(
        profile=profile.name,
        threshold=threshold,
        raw=raw,
        null=-profile.fn_weight * n_windows,
        perfect=profile.tp_weight * n_windows,
        tp=tp,
        fp=fp,
        fn=fn,
        per_file=per_file,
    )


def perfect_scores(series: LabeledSeries) -> np.ndarray:
    """A perfect detector's output: 1.0 at the first scored row of each window, 0 elsewhere."""
    n = len(series.timestamps)
    out = np.zeros(n)
    probation = probation_length(n)
    for left, right in window_bounds(series):
        first = max(left, probation)
        if first <= right:
            out[first] = 1.0
    return out


def load_corpus(nab_dir: Path) -> tuple[list[LabeledSeries], list[np.ndarray]]:
    """Read NAB's data files and combined windows: (labelled series, values per series)."""
    nab_dir = Path(nab_dir)
    windows = json.loads((nab_dir / "labels" / "combined_windows.json").read_text())
    series: list[LabeledSeries] = []
    values: list[np.ndarray] = []
    for name in sorted(windows):
        path = nab_dir / "data" / name
        raw = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=str)
        ts = np.array([t.replace(" ", "T") for t in raw[:, 0]], dtype="datetime64[s]")
        wins = tuple(
            (
                np.datetime64(a.replace(" ", "T")[:19], "s"),
                np.datetime64(b.replace(" ", "T")[:19], "s"),
            )
            for a, b in windows[name]
        )
        series.append(LabeledSeries(name=name, timestamps=ts, windows=wins))
        values.append(raw[:, 1].astype(float))
    return series, values
