"""Calibration's level from cases the rules were not tuned on (``calibration_fit.py``).

The rules were written on the tuned corpora (``bench_rca.EVERY``) and are right about 97% of the
time there when they name a cause; on a corpus nobody tuned them on they are right far less
often. So a fit on the tuned corpora alone is over-confident exactly where it matters. Here the
tuned corpora only tell the **ordering** (which basis, which structural confidence, is more
often right), and the **level** comes from the *untuned recording*
(``calibration_untuned.json``): calibration's inputs for cases the rules had not been tuned on,
recorded on an older commit (``RECORDED_AT``) by ``calibration_data.collect``. Never the
held-out thirds' cases: the recording holds only ``aiopslab`` dev and ``thirdparty4-all``.

Candidates (``CANDIDATES``, simplest first); the chosen one is the simplest whose Brier on the
recording, cross-validated by scenario within it, is within noise (one standard error of the
paired difference per case) of the best:

- **hand-set**: the values the YAML had before any fit (``HAND_SET``), no maps;
- **knobs**: the knobs fitted on the tuned corpora, no maps;
- **fitted**: knobs, then a map per basis, fitted on the tuned corpora (the earlier choice);
- **ceiling**: fitted, with the leader's map capped at a level chosen on the recording;
- **shrunk**: fitted, each map with enough recorded cases moved toward its basis's share right
  on the recording by a weight chosen on the recording.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.investigate.reasoning_data import Calibration
from tests.bench.calibration_data import Record, basis_rows, load, outcome
from tests.bench.rca_scoring import CaseOutcome, brier, calibration_pairs

UNTUNED = Path(__file__).with_name("calibration_untuned.json")
RECORDED_AT = "fa11c29"
#: calibration.yaml's knobs before its first fit (commit 0711970), no maps
HAND_SET: dict[str, float] = {
    "single_weak_cap": 0.4,
    "floor": 0.05,
    "corroboration_gain": 0.2,
    "signature_gain": 0.3,
    "close_margin": 0.1,
    "runner_up_share": 0.6,
    "steady_cap": 0.15,
}
CEILINGS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
WEIGHTS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
MIN_RECORDED = 8  # a basis with fewer recorded hypotheses is not moved by the recording

Fit = Callable[[Sequence[Record], Calibration], Calibration]


def recording(path: Path = UNTUNED) -> list[Record]:
    """The untuned recording, each corpus named with the commit it was recorded at."""
    records = load(path)
    for r in records:
        r.corpus = f"{r.corpus.removesuffix('-all')}@{RECORDED_AT}"
    return records


def _brier(records: Sequence[Record], rules: Calibration) -> float:
    return brier(calibration_pairs([outcome(r, rules) for r in records])) or 0.0


def shares(records: Sequence[Record], rules: Calibration) -> dict[str, tuple[int, int]]:
    """Per basis, (right, n) over every hypothesis an answer shows."""
    return {
        b: (sum(y for _, y in rows), len(rows)) for b, rows in basis_rows(records, rules).items()
    }


def capped(rules: Calibration, level: float) -> Calibration:
    """The leader's map (none: the identity) never above ``level``: it stops where it reaches
    it (flat beyond)."""
    points = rules.maps.get("leader") or [(0.0, 0.0), (1.0, 1.0)]
    out: list[tuple[float, float]] = []
    for i, (x, y) in enumerate(points):
        if y < level:
            out.append((x, y))
            continue
        if i == 0:
            out.append((x, level))
        else:  # where the segment from the point before crosses the level
            x0, y0 = points[i - 1]
            cross = round(x0 + (x - x0) * (level - y0) / (y - y0), 3)
            if cross > out[-1][0]:
                out.append((cross, level))
            else:
                out[-1] = (out[-1][0], level)
        break
    return rules.model_copy(update={"maps": {**rules.maps, "leader": tidy(out)}})


def shrunk(rules: Calibration, weight: float, recorded: Sequence[Record]) -> Calibration:
    """Each mapped basis with ``MIN_RECORDED`` recorded hypotheses, its map's levels moved by
    ``weight`` toward the share of them that was right, (right + 1/2) / (n + 1): a few cases
    never say 0 or 1 (1: one flat level)."""
    maps = dict(rules.maps)
    for basis, (right, n) in shares(recorded, rules).items():
        if basis in maps and n >= MIN_RECORDED:
            level = (right + 0.5) / (n + 1)  # never 0 or 1 from a few cases (Jeffreys)
            moved = [(x, round((1 - weight) * y + weight * level, 3)) for x, y in maps[basis]]
            maps[basis] = tidy(moved)
    return rules.model_copy(update={"maps": maps})


def best_of(recorded: Sequence[Record], options: Sequence[Calibration]) -> Calibration:
    """The option with the lowest Brier on ``recorded`` (a tie: the one listed first)."""
    scored = [(_brier(recorded, o), i) for i, o in enumerate(options)]
    return options[min(scored)[1]]


def ceiling_level(rules: Calibration, recorded: Sequence[Record]) -> Calibration:
    return best_of(recorded, [capped(rules, c) for c in reversed(CEILINGS)])


def shrink_level(rules: Calibration, recorded: Sequence[Record]) -> Calibration:
    return best_of(recorded, [shrunk(rules, w, recorded) for w in WEIGHTS])


Level = Callable[[Calibration, Sequence[Record]], Calibration]


@dataclass(frozen=True)
class Candidate:
    """How a candidate is made: its ``base`` (``bases``: fitted on the tuned corpora, or the
    hand-set values), then its ``level`` set on the recording (None: the recording is unread)."""

    name: str
    base: str
    level: Level | None = None


#: simplest first
CANDIDATES = (
    Candidate("hand-set", "hand-set"),
    Candidate("knobs", "knobs"),
    Candidate("fitted", "fitted"),
    Candidate("ceiling", "fitted", ceiling_level),
    Candidate("shrunk", "fitted", shrink_level),
)


def bases(
    tuned: Sequence[Record], start: Calibration, knobs: Fit, maps: Fit
) -> dict[str, Calibration]:
    """What the candidates start from: the hand-set values, and calibration_fit's knobs and
    maps fitted on ``tuned`` (``knobs``: ``fit_knobs``; ``maps``: ``fit_maps``)."""
    hand = start.model_copy(update={**HAND_SET, "maps": {}})
    fitted_knobs = knobs(tuned, hand)  # from the hand-set values: what the file says is unread
    return {
        "hand-set": hand,
        "knobs": fitted_knobs,
        "fitted": maps(tuned, fitted_knobs),
    }


def made(cand: Candidate, base: dict[str, Calibration], recorded: Sequence[Record]) -> Calibration:
    rules = base[cand.base]
    return cand.level(rules, recorded) if cand.level else rules


def scenario_of(record: Record) -> str:
    return f"{record.corpus}/{record.name.split('#', 1)[0]}"


def cv_on_recording(
    cand: Candidate, base: Calibration, recorded: Sequence[Record]
) -> list[CaseOutcome]:
    """Each recorded scenario scored under the candidate's level set on the other scenarios
    (``base``: what it fitted on the tuned corpora); in record order."""
    if cand.level is None:
        return [outcome(r, base) for r in recorded]
    out: dict[int, CaseOutcome] = {}
    for group in sorted({scenario_of(r) for r in recorded}):
        rest = [r for r in recorded if scenario_of(r) != group]
        rules = cand.level(base, rest)
        for i, r in enumerate(recorded):
            if scenario_of(r) == group:
                out[i] = outcome(r, rules)
    return [out[i] for i in range(len(recorded))]


def case_errors(outs: Sequence[CaseOutcome]) -> list[float]:
    """Each case's summed squared error (its share of the pooled Brier's numerator)."""
    return [sum((c - y) ** 2 for c, y in calibration_pairs([o])) for o in outs]


def against_best(
    scored: dict[str, list[CaseOutcome]],
) -> tuple[str, dict[str, tuple[float, float]]]:
    """The candidate with the lowest pooled Brier (a tie: the one listed first), and per
    candidate how much higher its Brier is than the best's and the standard error of that
    difference (from the paired per-case differences)."""
    pooled = {n: brier(calibration_pairs(o)) or 0.0 for n, o in scored.items()}
    best = min(pooled, key=lambda n: (pooled[n], list(scored).index(n)))
    pairs = len(calibration_pairs(scored[best]))
    top = case_errors(scored[best])
    out = {}
    for name, outs in scored.items():
        diffs = [a - b for a, b in zip(case_errors(outs), top, strict=True)]
        mean = sum(diffs) / len(diffs)
        spread = math.sqrt(sum((d - mean) ** 2 for d in diffs) / max(1, len(diffs) - 1))
        out[name] = (pooled[name] - pooled[best], spread * math.sqrt(len(diffs)) / pairs)
    return best, out


def simplest_within_noise(scored: dict[str, list[CaseOutcome]]) -> tuple[str, str, float]:
    """The first (simplest) candidate whose pooled Brier is within one standard error of the
    paired per-case difference from the best: (chosen, best, that standard error)."""
    best, gaps = against_best(scored)
    name = next(n for n, (gap, se) in gaps.items() if gap <= se)
    return name, best, gaps[name][1]


def tidy(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The same map with no point it does not need (inside, or at an end of, a flat run)."""
    out = list(points)
    i = 0
    while len(out) > 1 and i < len(out):
        ys = [y for _, y in out]
        flat_left = i > 0 and ys[i - 1] == ys[i]
        flat_right = i + 1 < len(out) and ys[i + 1] == ys[i]
        ends = i == 0 or i == len(out) - 1
        if (flat_left and flat_right) or (ends and (flat_left or flat_right)):
            del out[i]
        else:
            i += 1
    return out
