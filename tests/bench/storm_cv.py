"""Honest model selection for the storm election (used by ``bench_storms.py --cv``).

A weight or rule of the election is a *candidate* (a named ``CorrelationConfig``). Picking the
candidate that scores best on the storms it is then reported on is an in-sample figure, and an
optimistic one: the per-calling-service comparison was chosen that way on one half of a corpus
and lost on the other. Here every choice is made by a procedure, and the procedure is scored on
storms it did not see:

- **repeated seeded k-fold** over one system's storms: in each fold the candidate with most
  storms right on the other folds is chosen (ties go to the one listed first, the simpler) and
  scored on the fold; the figure is the pooled share over every fold of every repeat, with the
  spread of the repeats;
- **leave one system out**: the candidate chosen on one system's storms, scored on the other's.

Each candidate's verdicts are computed once per storm (the correlator is fed directly, as in
``storm_study.verdict``), so a grid stays cheap: about 0.3 s per candidate over 50 storms.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import mean, pstdev

from bot.correlate.models import CorrelationConfig
from sandbox.scenario import LoadedScenario
from tests.bench.storm_study import verdict

SEED = 20261207
FOLDS = 5
REPEATS = 20


@dataclass(frozen=True)
class Candidate:
    """One way to elect: a name for the reports and the correlator's configuration."""

    name: str
    config: CorrelationConfig


def hits(storms: Sequence[LoadedScenario], candidate: Candidate) -> list[bool]:
    """Per storm, whether the candidate's elected root service is the truth's."""
    out = []
    for storm in storms:
        truth = storm.truth
        assert truth is not None and truth.root_cause is not None
        v = verdict(storm, candidate.config)
        out.append(v is not None and v.service == truth.root_cause.service)
    return out


def choose(table: Sequence[Sequence[bool]], rows: Sequence[int]) -> int:
    """The candidate (index into ``table``) with most storms right among ``rows``; ties go to
    the one listed first."""
    return max(range(len(table)), key=lambda c: (sum(table[c][i] for i in rows), -c))


@dataclass(frozen=True)
class CrossValidated:
    right: int  # pooled over every fold of every repeat
    total: int
    per_repeat: tuple[float, ...]  # share right in each repeat
    chosen: Counter[int]  # how often each candidate was chosen

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 0.0


def k_fold(
    table: Sequence[Sequence[bool]], folds: int = FOLDS, repeats: int = REPEATS, seed: int = SEED
) -> CrossValidated:
    """Repeated seeded k-fold of the choice among ``table``'s candidates (rows: candidates,
    columns: storms)."""
    n = len(table[0])
    rng = random.Random(seed)
    right = total = 0
    shares: list[float] = []
    chosen: Counter[int] = Counter()
    for _ in range(repeats):
        order = list(range(n))
        rng.shuffle(order)
        got = 0
        for f in range(folds):
            test = order[f::folds]
            held = set(test)
            train = [i for i in range(n) if i not in held]
            c = choose(table, train)
            chosen[c] += 1
            got += sum(table[c][i] for i in test)
        right += got
        total += n
        shares.append(got / n)
    return CrossValidated(right, total, tuple(shares), chosen)


def report(
    candidates: Sequence[Candidate],
    systems: Sequence[tuple[str, Sequence[LoadedScenario], Sequence[bool]]],
) -> list[str]:
    """Lines: per system each candidate's in-sample score, the k-fold score of choosing among
    them, and, with two systems or more, each system's score of the candidate chosen on the
    others. ``systems``: name, storms, and per storm whether the naive baseline was right."""
    tables = {name: [hits(storms, c) for c in candidates] for name, storms, _ in systems}
    lines = []
    for name, storms, baseline in systems:
        table = tables[name]
        n = len(storms)
        base = sum(baseline)
        for c, row in zip(candidates, table, strict=True):
            marks = "".join("+" if r else "-" for r in row)
            lines.append(f"[storms cv {name}] {c.name:<28} in-sample {sum(row)}/{n} {marks}")
        cv = k_fold(table)
        spread = pstdev(cv.per_repeat) if len(cv.per_repeat) > 1 else 0.0
        picks = ", ".join(
            f"{candidates[c].name} {k}" for c, k in sorted(cv.chosen.items(), key=lambda x: -x[1])
        )
        lines.append(
            f"[storms cv {name}] choosing among them, {FOLDS}-fold x {REPEATS} (seed {SEED}): "
            f"{cv.share:.1%} right ({mean(cv.per_repeat) * n:.1f}/{n} a repeat, sd "
            f"{spread * n:.1f}); baseline {base}/{n} = {base / n:.0%}; chosen: {picks}"
        )
    if len(systems) > 1:
        for name, storms, _ in systems:
            others = [o for o, _, _ in systems if o != name]
            pooled = [[r for o in others for r in tables[o][c]] for c in range(len(candidates))]
            pick = choose(pooled, range(len(pooled[0])))
            got = sum(tables[name][pick])
            lines.append(
                f"[storms cv {name}] chosen on {'+'.join(others)}: {candidates[pick].name}, "
                f"{got}/{len(storms)} = {got / len(storms):.0%} here"
            )
    return lines


def grid() -> list[Candidate]:
    """The candidates, simplest first (ties in a choice go to the earlier): the election with
    no per-caller comparison, then the weights of the calls basis around their defaults, then
    a lower margin for an entity standing out of its replicas (2 instead of 3)."""
    out = [Candidate("plain", CorrelationConfig(storm_own_weight=0.0, storm_fan_in_power=0.0))]
    for own in (0.0, 0.2, 1.0):
        for power in (0.5, 1.0, 1.25, 1.5, 2.0):
            out.append(
                Candidate(
                    f"own {own} fan-in {power}",
                    CorrelationConfig(storm_own_weight=own, storm_fan_in_power=power),
                )
            )
    out.insert(1, Candidate("own 0.2 fan-in 0", CorrelationConfig(storm_fan_in_power=0.0)))
    for power in (0.0, 0.5, 1.25):  # a lower bar for an entity standing out (rule 2)
        config = CorrelationConfig(storm_own_margin=2.0, storm_fan_in_power=power)
        out.append(Candidate(f"own 0.2 fan-in {power} margin 2", config))
    return out
