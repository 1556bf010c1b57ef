"""Fitting the storm verdicts' confidences (used by ``bench_storms.py --calibrate``).

A verdict's raw confidence comes from its rule (about 0.8 for a change, 0.5-0.8 for an entity
that stands out, 0.2-0.6 for blame). Calibrated, ~70% should mean right ~70% of the time. Per
basis of the verdict, the raw confidences are cut into bins, and each bin's confidence is its
share of right verdicts, pulled towards the basis's share by ``PRIOR`` pseudo-verdicts (a bin of
few verdicts stays near its basis). A basis with no verdict in training keeps its raw
confidences. Candidates, chosen by cross-validation as the election's weights are:

- ``raw``: the rules' confidences as they are;
- ``basis``: one confidence per basis;
- ``bins N``: N bins per basis, cut at the quantiles of the training raw confidences.

Scored by the Brier score on storms the fit did not see: repeated seeded k-fold over both
systems pooled (``storm_cv``'s seed, folds and repeats), and leave one system out. ``fit``
returns what ``playbooks/storms/confidence.yaml`` holds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.bench.storm_cv import FOLDS, REPEATS, SEED

PRIOR = 2.0  # pseudo-verdicts at the basis's share, per bin


@dataclass(frozen=True)
class Outcome:
    """One storm's verdict: its system, basis, raw confidence and whether it was right."""

    system: str
    basis: str
    raw: float
    right: bool


Table = dict[str, list[tuple[float, float]]]  # basis: (raw confidence up to, confidence)


def fit(outcomes: Sequence[Outcome], bins: int) -> Table:
    """Per basis, ``bins`` bins (0: keep raw) of the raw confidences, each with its share of
    right verdicts shrunk towards the basis's share."""
    if bins <= 0:
        return {}
    table: Table = {}
    for basis in sorted({o.basis for o in outcomes}):
        rows = sorted((o.raw, o.right) for o in outcomes if o.basis == basis)
        share = (sum(r for _, r in rows) + 1.0) / (len(rows) + 2.0)
        cuts = [rows[len(rows) * k // bins][0] for k in range(1, bins)]
        edges = sorted(set(cuts)) + [1.0]
        out = []
        low = -1.0
        for edge in edges:
            inside = [r for raw, r in rows if low < raw <= edge]
            low = edge
            if edge == 1.0 or inside:
                conf = (sum(inside) + PRIOR * share) / (len(inside) + PRIOR)
                out.append((round(edge, 3), round(conf, 2)))
        table[basis] = out
    return table


def apply(table: Table, basis: str, raw: float) -> float:
    for up_to, conf in table.get(basis, ()):
        if raw <= up_to:
            return conf
    return raw


def brier(table: Table, outcomes: Sequence[Outcome]) -> float:
    return sum((apply(table, o.basis, o.raw) - o.right) ** 2 for o in outcomes) / len(outcomes)


CANDIDATES = (("raw", 0), ("basis", 1), ("bins 2", 2), ("bins 3", 3))


def choose(outcomes: Sequence[Outcome]) -> int:
    """The candidate with the lowest Brier score by an inner 5-fold on ``outcomes``."""
    rng = random.Random(SEED)
    order = list(range(len(outcomes)))
    rng.shuffle(order)
    scores = []
    for _, bins in CANDIDATES:
        total = 0.0
        for f in range(FOLDS):
            test = set(order[f::FOLDS])
            train = [o for i, o in enumerate(outcomes) if i not in test]
            total += brier(fit(train, bins), [outcomes[i] for i in test]) * len(test)
        scores.append(total / len(outcomes))
    return min(range(len(CANDIDATES)), key=lambda c: (scores[c], c))


def _fixed(bins: int) -> Callable[[list[Outcome]], int]:
    """The choice of bins that is ``bins`` whatever the training folds."""
    return lambda _training: bins


def _held_out(
    outcomes: Sequence[Outcome], system: str, bins_of: Callable[[list[Outcome]], int]
) -> tuple[float, dict[str, int]]:
    """The Brier score on ``system``'s held-out folds of a fit on its training folds plus every
    other system's outcomes, with ``bins_of(training)`` bins; and how often each was used."""
    mine = [o for o in outcomes if o.system == system]
    rng = random.Random(SEED)
    total = 0.0
    used: dict[str, int] = {}
    for _ in range(REPEATS):
        order = list(range(len(mine)))
        rng.shuffle(order)
        for f in range(FOLDS):
            test = set(order[f::FOLDS])
            train = [o for i, o in enumerate(mine) if i not in test]
            train += [o for o in outcomes if o.system != system]
            bins = bins_of(train)
            name = next(n for n, b in CANDIDATES if b == bins)
            used[name] = used.get(name, 0) + 1
            total += brier(fit(train, bins), [mine[i] for i in test]) * len(test)
    return total / (REPEATS * len(mine)), used


def report(outcomes: Sequence[Outcome]) -> list[str]:
    systems = sorted({o.system for o in outcomes})
    lines = []
    for name, bins in CANDIDATES:
        parts = []
        for system in systems:
            mine = [o for o in outcomes if o.system == system]
            cv, _ = _held_out(outcomes, system, _fixed(bins))
            other = brier(fit([o for o in outcomes if o.system != system], bins), mine)
            parts.append(f"{system} cross-validated {cv:.3f}, fitted on the other only {other:.3f}")
        lines.append(f"[storms calibrate] {name:<7} " + "; ".join(parts))
    for system in systems:  # the procedure: choose on the training folds, score on the fold
        mine = [o for o in outcomes if o.system == system]
        cv, used = _held_out(outcomes, system, lambda t: CANDIDATES[choose(t)][1])
        lines.append(
            f"[storms calibrate] {system}: choosing by inner cross-validation, {cv:.3f} on "
            f"held-out folds (raw {brier({}, mine):.3f}); chosen {used}"
        )
    for name, bins in CANDIDATES[1:]:
        lines.append(f"[storms calibrate] {name} fitted on every storm: {fit(outcomes, bins)}")
    c = choose(outcomes)
    lines.append(f"[storms calibrate] the inner choice on every storm: {CANDIDATES[c][0]}")
    return lines
