"""A learned ranker for the storm election, compared with the hand election under the same
cross-validation (used by ``bench_storms.py --rank``).

For each service with evidence in a storm it computes structural features that name no
service (``features``): its own anomalies per family (cpu, memory, disk, network, error and
crash lines), whether one replica stands out of its siblings, the anomalous calls into and out
of it (counts, shares, distinct callers and callees), when its evidence began against the
storm's first symptom, its place in the graph of alerted services, and the hand election's own
score (blame share, whether it elected it). A per-storm softmax (conditional logit) with an L2
penalty is fitted on the training folds and scores the held-out fold; the storm is right when
the top-scored service is the truth's. Folds are those of ``storm_cv.k_fold`` (same seed,
folds and repeats), so the hand election's figure and the ranker's are on the same splits.

Also: leave one system out (fitted on one system, scored on the other), and k-fold on one
system with the other system's storms added to every training fold.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.optimize import minimize

from bot.correlate import Correlator
from bot.correlate.elect import standout
from bot.correlate.storm import StormEvidence
from bot.topology import Topology
from sandbox.scenario import LoadedScenario
from tests.bench.storm_cv import FOLDS, REPEATS, SEED
from tests.bench.storm_study import facts

FAMILIES = {
    "cpu": re.compile(r"cpu|load"),
    "memory": re.compile(r"mem|heap|swap|oom|gc\b"),
    "disk": re.compile(r"fs|disk|read|write|\bio\b|i/o|inode"),
    "network": re.compile(r"net|packet|receive|transmit|retrans|socket|tcp"),
}
ERROR_KEYS = {"error", "local-error"}
CRASH_KEYS = {"crash"}


@dataclass
class RankStorm:
    name: str
    services: list[str]
    x: np.ndarray  # candidates x features
    truth: int  # index of the true root in ``services``, -1 when it has no evidence
    elected: str | None  # the hand election's root


def _family(key: str) -> str:
    if key in ERROR_KEYS:
        return "error"
    if key in CRASH_KEYS:
        return "crash"
    for name, pattern in FAMILIES.items():
        if pattern.search(key):
            return name
    return "other"


FEATURES = [f"own {f}" for f in (*FAMILIES, "error", "crash", "other")] + [
    "own standout",
    "own total",
    "own entities",
    "calls in",
    "calls in share",
    "callers",
    "calls out",
    "callees",
    "in over in+out",
    "callers only call it",
    "blame share",
    "own before symptom",
    "own lead",
    "evidence rank",
    "topology leaf",
    "topology dependents",
    "elected",
]


def _seconds(a: datetime | None, b: datetime | None) -> float:
    return 0.0 if a is None or b is None else (a - b).total_seconds()


def evidence(loaded: LoadedScenario) -> tuple[StormEvidence | None, Topology]:
    """The storm evidence of the group holding most of the storm's alerts (as the hand
    election sees it)."""
    topology = Topology.from_services(loaded.scenario.services)
    corr = Correlator(topology)
    for alert in facts(loaded):
        corr.place(alert)
    main = max(corr.views(), key=lambda v: len(v.alerts))
    return corr._groups[main.key].storm, topology  # noqa: SLF001 - a bench reading internals


def features(ev: StormEvidence, topology: Topology) -> tuple[list[str], np.ndarray, str | None]:
    """Per candidate service (any evidence of its own or on calls), the ``FEATURES``."""
    blame, _ = ev._blame(topology)  # noqa: SLF001
    verdict = ev.verdict(topology)
    services = sorted(set(ev.evidence_first) | {s for s, per in ev.own.items() if per})
    total_blame = sum(blame.values()) or 1.0
    by_service: dict[str, list[str]] = {}
    for entity, service in ev.entity_service.items():
        by_service.setdefault(service, []).append(entity)
    calls_in = {s: sum(len(ev.vantage.get(e, ())) for e in by_service.get(s, ())) for s in services}
    calls_out = {
        s: sum(sum(ev.out_calls.get(e, {}).values()) for e in by_service.get(s, ()))
        for s in services
    }
    all_calls = sum(calls_in.values()) or 1
    callers: dict[str, set[str]] = {}
    callees: dict[str, set[str]] = {}
    for a, b in ev.edges:
        callers.setdefault(b, set()).add(a)
        callees.setdefault(a, set()).add(b)
    start = min(ev.symptom_at.values(), default=None)
    order = sorted(services, key=lambda s: ev.evidence_first.get(s, 1 << 62))
    rank = {s: i / max(1, len(order) - 1) for i, s in enumerate(order)}
    rows = []
    for s in services:
        per = ev.own.get(s, {})
        fam = dict.fromkeys((*FAMILIES, "error", "crash", "other"), 0.0)
        best = max(per, key=lambda e: sum(per[e].values())) if per else None
        if best is not None:
            for key, w in per[best].items():
                fam[_family(key)] += w
        stand = standout(per)[0] if per else 0.0
        own_total = sum(sum(k.values()) for k in per.values())
        own_at = [ev.own_at[e] for e in per if e in ev.own_at]
        first_own = min(own_at) if own_at else None
        lead = -_seconds(first_own, start) if first_own is not None else -60.0
        mine = callers.get(s, set())
        only = sum(1 for c in mine if callees.get(c, set()) == {s})
        cin, cout = calls_in[s], calls_out[s]
        rows.append(
            [math.log1p(v) for v in fam.values()]
            + [
                math.log1p(max(0.0, stand)),
                math.log1p(own_total),
                float(len(per)),
                math.log1p(cin),
                cin / all_calls,
                float(len(mine)),
                math.log1p(cout),
                float(len(callees.get(s, ()))),
                cin / (cin + cout) if cin + cout else 0.0,
                only / len(mine) if mine else 0.0,
                blame.get(s, 0.0) / total_blame,
                1.0 if first_own is not None and start is not None and first_own < start else 0.0,
                max(-60.0, min(60.0, lead)) / 60.0,
                rank[s],
                0.0 if topology.upstream(s, 1) else 1.0,
                float(len(topology.downstream(s, 1))),
                1.0 if verdict is not None and verdict.service == s else 0.0,
            ]
        )
    return services, np.array(rows, dtype=float), verdict.service if verdict else None


def rank_storms(storms: Sequence[LoadedScenario]) -> list[RankStorm]:
    out = []
    for loaded in storms:
        truth = loaded.truth
        assert truth is not None and truth.root_cause is not None
        ev, topology = evidence(loaded)
        if ev is None:
            out.append(RankStorm(loaded.scenario.name, [], np.zeros((0, len(FEATURES))), -1, None))
            continue
        services, x, elected = features(ev, topology)
        want = truth.root_cause.service
        idx = services.index(want) if want in services else -1
        out.append(RankStorm(loaded.scenario.name, services, x, idx, elected))
    return out


@dataclass
class Ranker:
    mean: np.ndarray
    scale: np.ndarray
    w: np.ndarray

    def scores(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.w

    def top(self, storm: RankStorm) -> str | None:
        if not storm.services:
            return None
        return storm.services[int(np.argmax(self.scores(storm.x)))]


def fit(storms: Sequence[RankStorm], l2: float, mask: np.ndarray | None = None) -> Ranker:
    """A per-storm softmax over the candidates, L2-penalised, on standardised features
    (``mask``: the features used; the others get weight 0)."""
    usable = [s for s in storms if s.truth >= 0 and len(s.services) > 1]
    stacked = np.vstack([s.x for s in usable])
    mean = stacked.mean(axis=0)
    scale = stacked.std(axis=0)
    scale[scale < 1e-9] = 1.0
    keep = np.ones(len(FEATURES), dtype=bool) if mask is None else mask
    width = max(len(s.services) for s in usable)
    x = np.zeros((len(usable), width, int(keep.sum())))
    valid = np.zeros((len(usable), width), dtype=bool)
    for i, s in enumerate(usable):
        x[i, : len(s.services)] = ((s.x - mean) / scale)[:, keep]
        valid[i, : len(s.services)] = True
    rows = np.arange(len(usable))
    truths = np.array([s.truth for s in usable])
    chosen = x[rows, truths]  # storms x features

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = np.where(valid, x @ w, -np.inf)
        top = z.max(axis=1, keepdims=True)
        e = np.exp(z - top)
        norm = e.sum(axis=1)
        p = e / norm[:, None]
        log_lik = chosen @ w - top[:, 0] - np.log(norm)
        total = -float(log_lik.mean()) + l2 * float(w @ w)
        grad = -(chosen - np.einsum("sc,scf->sf", p, x)).mean(axis=0) + 2 * l2 * w
        return total, grad

    w0 = np.zeros(int(keep.sum()))
    res = minimize(loss, w0, jac=True, method="L-BFGS-B")
    w = np.zeros(len(FEATURES))
    w[keep] = res.x
    return Ranker(mean, scale, w)


def right(ranker: Ranker, storm: RankStorm) -> bool:
    return storm.truth >= 0 and ranker.top(storm) == storm.services[storm.truth]


def hand_right(storm: RankStorm) -> bool:
    return storm.truth >= 0 and storm.elected == storm.services[storm.truth]


@dataclass
class Figures:
    ranker: float
    hand: float
    per_repeat: list[float]


def k_fold(
    storms: Sequence[RankStorm],
    l2: float,
    extra: Sequence[RankStorm] = (),
    mask: np.ndarray | None = None,
    folds: int = FOLDS,
    repeats: int = REPEATS,
    seed: int = SEED,
) -> Figures:
    """The ranker fitted on the training folds (plus ``extra``) and scored on the held-out
    fold, over the splits ``storm_cv.k_fold`` makes; the hand election on the same storms."""
    n = len(storms)
    rng = random.Random(seed)
    got = hand = 0
    shares = []
    for _ in range(repeats):
        order = list(range(n))
        rng.shuffle(order)
        this = 0
        for f in range(folds):
            test = set(order[f::folds])
            train = [storms[i] for i in range(n) if i not in test] + list(extra)
            ranker = fit(train, l2, mask)
            this += sum(right(ranker, storms[i]) for i in test)
            hand += sum(hand_right(storms[i]) for i in test)
        got += this
        shares.append(this / n)
    return Figures(got / (n * repeats), hand / (n * repeats), shares)


def report(
    systems: Sequence[tuple[str, Sequence[LoadedScenario]]], l2s: Sequence[float]
) -> list[str]:
    ranked = {name: rank_storms(storms) for name, storms in systems}
    lines = []
    for name, storms in ranked.items():
        n = len(storms)
        reach = sum(s.truth >= 0 for s in storms)
        hand = sum(hand_right(s) for s in storms)
        lines.append(
            f"[storms rank {name}] {n} storms, truth among the candidates in {reach}; "
            f"hand election {hand}/{n} in-sample"
        )
        for l2 in l2s:
            fig = k_fold(storms, l2)
            lines.append(
                f"[storms rank {name}] l2 {l2}: ranker {fig.ranker:.1%} cross-validated "
                f"({FOLDS}-fold x {REPEATS}, sd {np.std(fig.per_repeat) * n:.1f} storms), "
                f"hand election {fig.hand:.1%} on the same folds; in-sample "
                f"{sum(right(fit(storms, l2), s) for s in storms)}/{n}"
            )
    if len(ranked) > 1:
        for name, storms in ranked.items():
            others = [s for o, ss in ranked.items() if o != name for s in ss]
            for l2 in l2s:
                ranker = fit(others, l2)
                got = sum(right(ranker, s) for s in storms)
                fig = k_fold(storms, l2, extra=others)
                lines.append(
                    f"[storms rank {name}] l2 {l2}: fitted on the other system only "
                    f"{got}/{len(storms)} = {got / len(storms):.0%}; k-fold with the other "
                    f"system in every training fold {fig.ranker:.1%} (hand {fig.hand:.1%})"
                )
    return lines
