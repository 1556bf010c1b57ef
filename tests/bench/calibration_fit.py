"""Fit calibration (``playbooks/reasoning/calibration.yaml``) to every scenario, cross-validated.

    .venv/bin/python tests/bench/calibration_fit.py                  # collect, fit, print figures
    .venv/bin/python tests/bench/calibration_fit.py --write          # ... and rewrite the YAML
    .venv/bin/python tests/bench/calibration_fit.py --cache F.json   # reuse (or save) what was read
    .venv/bin/python tests/bench/calibration_fit.py --features F.csv # a row per hypothesis shown
    .venv/bin/python tests/bench/bench_rca.py --calibration-cv [--write]   # the same

Every case of every corpus (``bench_rca.EVERY``, the *tuned* corpora: the rules were written on
them) is investigated once; what calibration saw is recorded (``calibration_data``) and any
candidate calibration is replayed on it exactly. Beside them, the *untuned recording*
(``calibration_untuned``: cases the rules had not been tuned on, recorded on an older commit)
sets the level. Two fitting steps, both over the tuned corpora:

- **knobs**: coordinate descent over a small grid per knob (``GRID``), two passes, pooled Brier,
  from the hand-set values (a tie keeps the value it has);
- **maps**: per basis (``calibrate.basis_of``: leader, unknown, alert, runner_up, steady), a
  monotone map from the confidence the structural rules give to the share right: equal-count
  bins shrunk toward the input by ``SHRINK`` pseudo-cases, made monotone (pool adjacent
  violators); a basis with fewer than ``MIN_CASES`` hypotheses keeps no map.

The candidates (``calibration_untuned.CANDIDATES``: the hand-set values, the knobs, the knobs then
the maps, and those with the leader capped or the maps shrunk toward the recording's share right)
are scored on the untuned recording, cross-validated by scenario within it, and the simplest
within noise of the best is made on every record. Beside it the report gives each candidate's
Brier in-sample and **leave one corpus out** over the tuned corpora, with the hand-set values and
the current YAML per corpus. Calibration keeps the rank order (a hypothesis never claims more than
the one above it), so top-1 cannot move; the report checks it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.investigate.calibrate import readings  # noqa: E402
from bot.investigate.reasoning_data import REASONING_DIR, Calibration, calibration  # noqa: E402
from tests.bench import calibration_untuned as cu  # noqa: E402
from tests.bench.calibration_data import (  # noqa: E402
    Record,
    basis_rows,
    collect,
    load,
    outcome,
    save,
)
from tests.bench.rca_scoring import (  # noqa: E402
    CaseOutcome,
    brier,
    calibration_pairs,
    reliability,
    render_worst,
    score,
)

YAML = REASONING_DIR / "calibration.yaml"
MIN_CASES = 8  # a basis with fewer hypotheses keeps no map
BINS = 4
SHRINK = 4.0  # pseudo-cases at the structural confidence, per bin
GRID: dict[str, tuple[float, ...]] = {
    "single_weak_cap": (0.2, 0.3, 0.4, 0.5, 0.6),
    "corroboration_gain": (0.0, 0.1, 0.2, 0.3, 0.4),
    "signature_gain": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5),
    "close_margin": (0.0, 0.1, 0.2, 0.3),
    "runner_up_share": (0.2, 0.4, 0.6, 0.8, 1.0),
    "floor": (0.0, 0.02, 0.05, 0.1),
    "steady_cap": (0.05, 0.1, 0.15, 0.25, 0.35),
}

Points = list[tuple[float, float]]


def outcomes(records: Sequence[Record], rules: Calibration) -> list[CaseOutcome]:
    return [outcome(r, rules) for r in records]


def reproduced(records: Sequence[Record], rules: Calibration) -> int:
    """How many records replay to exactly what their answer showed (all, when nothing drifted)."""
    return sum(
        [(h.kind, h.service, h.confidence) for h in outcome(r, rules).hypotheses]
        == [(g.kind, g.service, g.confidence) for g in r.shown]
        for r in records
    )


def brier_of(records: Sequence[Record], rules: Calibration) -> float:
    return brier(calibration_pairs(outcomes(records, rules))) or 0.0


# --- the fit --------------------------------------------------------------------------------------


def fit_knobs(records: Sequence[Record], start: Calibration) -> Calibration:
    """Coordinate descent over ``GRID`` (maps off), two passes; a tie keeps the current value."""
    rules = start.model_copy(update={"maps": {}})
    best = brier_of(records, rules)
    for _ in range(2):
        for knob, values in GRID.items():
            for value in values:
                trial = rules.model_copy(update={knob: value})
                got = brier_of(records, trial)
                if got < best - 1e-9:
                    rules, best = trial, got
    return rules


def _pav(blocks: list[list[float]]) -> list[list[float]]:
    """Pool adjacent violators over ``[x, y, weight]`` blocks: y never falls."""
    out: list[list[float]] = []
    for block in blocks:
        out.append(list(block))
        while len(out) > 1 and out[-2][1] > out[-1][1]:
            (x0, y0, w0), (x1, y1, w1) = out[-2], out[-1]
            w = w0 + w1
            out[-2:] = [[(x0 * w0 + x1 * w1) / w, (y0 * w0 + y1 * w1) / w, w]]
    return out


def fit_map(rows: Sequence[tuple[float, int]]) -> Points:
    """Equal-count bins (a confidence never split across two), each the share right shrunk
    toward its mean confidence by ``SHRINK`` pseudo-cases, made monotone."""
    if len(rows) < MIN_CASES:
        return []
    ordered = sorted(rows)
    size = max(MIN_CASES, len(ordered) // BINS)
    bins: list[list[tuple[float, int]]] = [[]]
    for i, (x, y) in enumerate(ordered):
        if len(bins[-1]) >= size and x != ordered[i - 1][0] and len(ordered) - i >= MIN_CASES // 2:
            bins.append([])
        bins[-1].append((x, y))
    blocks = []
    for b in bins:
        mean_x = sum(x for x, _ in b) / len(b)
        share = (sum(y for _, y in b) + SHRINK * mean_x) / (len(b) + SHRINK)
        blocks.append([mean_x, share, float(len(b))])
    points: Points = []
    for mean, level, _ in _pav(blocks):
        if not points or round(mean, 3) > points[-1][0]:
            points.append((round(mean, 3), round(level, 3)))
    return points


def fit_maps(records: Sequence[Record], start: Calibration) -> Calibration:
    """A map per basis over what ``start``'s knobs give (its own maps dropped)."""
    rules = start.model_copy(update={"maps": {}})
    maps = {b: m for b, rows in basis_rows(records, rules).items() if (m := fit_map(rows))}
    return rules.model_copy(update={"maps": maps})


def fit(records: Sequence[Record], start: Calibration) -> Calibration:
    """Knobs, then a map per basis over what they give."""
    return fit_maps(records, fit_knobs(records, start))


# --- cross-validation -----------------------------------------------------------------------------


def folds_by_corpus(records: Sequence[Record]) -> list[list[int]]:
    names = sorted({r.corpus for r in records})
    return [[i for i, r in enumerate(records) if r.corpus == c] for c in names]


def cross_validated(
    records: Sequence[Record],
    folds: Sequence[Sequence[int]],
    procedure: Callable[[Sequence[Record]], Calibration],
) -> list[CaseOutcome]:
    """Each fold scored under what ``procedure`` fitted on the other folds; in record order."""
    out: dict[int, CaseOutcome] = {}
    for fold in folds:
        held = set(fold)
        rules = procedure([r for i, r in enumerate(records) if i not in held])
        for i in fold:
            out[i] = outcome(records[i], rules)
    return [out[i] for i in range(len(records))]


# --- the report -----------------------------------------------------------------------------------


def _b(outs: Sequence[CaseOutcome]) -> str:
    got = brier(calibration_pairs(outs))
    return f"{got:.4f}" if got is not None else "  -   "


def table(label: str, outs: Sequence[CaseOutcome]) -> list[str]:
    lines = [f"   reliability, {label}: bucket  n  mean confidence  share right"]
    for b in reliability(calibration_pairs(outs)):
        conf = f"{b.mean_confidence:.2f}" if b.mean_confidence is not None else "  - "
        acc = f"{b.accuracy:.2f}" if b.accuracy is not None else "  - "
        close = "]" if b.high == 1.0 else ")"
        lines.append(f"     [{b.low:.1f}, {b.high:.1f}{close}  n={b.n:<4} {conf}  {acc}")
    return lines


def basis_table(
    records: Sequence[Record], before: Calibration, after: Calibration, label: str
) -> list[str]:
    lines = [f"   by basis, {label}: n, share right; mean final confidence current -> chosen"]
    finals: dict[str, list[list[float]]] = {}
    for rules in (before, after):
        for r in records:
            if not r.calibrated:
                continue
            shown = outcome(r, rules).hypotheses
            read_all = readings(r.hyps, r.findings, before, r.steady)
            for g, read in zip(shown, read_all[: len(shown)], strict=True):
                finals.setdefault(read.basis, [[], []])[rules is after].append(g.confidence)
    rows = basis_rows(records, before)
    for basis in sorted(rows):
        right = [y for _, y in rows[basis]]
        was, now = finals[basis]
        lines.append(
            f"     {basis:10} n={len(right):<4} right {sum(right) / len(right):.2f}  "
            f"confidence {sum(was) / len(was):.2f} -> {sum(now) / len(now):.2f}"
        )
    return lines


def _rows(
    label: str, records: Sequence[Record], columns: Sequence[Sequence[CaseOutcome]]
) -> list[str]:
    """A Brier line per corpus of ``records`` and one pooled, then the top-1 of the first
    column and of the last (calibration keeps the order: they are equal)."""
    lines = []
    for c in [*sorted({r.corpus for r in records}), None]:
        pick = [i for i, r in enumerate(records) if c is None or r.corpus == c]
        cols = [[outs[i] for i in pick] for outs in columns]
        top = [sum(score(o).top1 for o in col) for col in (cols[0], cols[-1])]
        lines.append(
            f"     {c or label:20} {len(pick):<4} "
            + "   ".join(_b(col) for col in cols)
            + f"   {top[0]}/{top[1]}"
        )
    return lines


def report(
    records: Sequence[Record], before: Calibration, recorded: Sequence[Record]
) -> tuple[Calibration, list[str]]:
    """The candidates (``calibration_untuned.CANDIDATES``) scored on the untuned recording and
    on the tuned corpora; the one chosen on the recording, made on every record; the figures."""
    lines = [
        f"== calibration: {len(records)} tuned incidents, {len(recorded)} untuned "
        f"(recorded at {cu.RECORDED_AT}); {len(calibration_pairs(outcomes(records, before)))} "
        f"+ {len(calibration_pairs(outcomes(recorded, before)))} hypotheses shown",
        "   candidates: Brier untuned in-sample | untuned CV by scenario | tuned in-sample",
        "     | tuned CV leave-one-corpus-out",
    ]
    memo: dict[tuple[int, ...], dict[str, Calibration]] = {}

    def based(tuned: Sequence[Record]) -> dict[str, Calibration]:
        key = tuple(id(r) for r in tuned)
        if key not in memo:
            memo[key] = cu.bases(tuned, before, fit_knobs, fit_maps)
        return memo[key]

    made = {c.name: cu.made(c, based(records), recorded) for c in cu.CANDIDATES}
    untuned_cv: dict[str, list[CaseOutcome]] = {}
    loco: dict[str, list[CaseOutcome]] = {}
    for c in cu.CANDIDATES:
        untuned_cv[c.name] = cu.cv_on_recording(c, based(records)[c.base], recorded)
        procedure = lambda rs, c=c: cu.made(c, based(rs), recorded)  # noqa: E731
        loco[c.name] = cross_validated(records, folds_by_corpus(records), procedure)
        lines.append(
            f"     {c.name:10} {_b(outcomes(recorded, made[c.name]))}   {_b(untuned_cv[c.name])}"
            f"   {_b(outcomes(records, made[c.name]))}   {_b(loco[c.name])}"
        )
    best, gaps = cu.against_best(untuned_cv)
    lines.append("   untuned CV Brier above the best's, and its standard error (paired by case):")
    lines += [f"     {n:10} +{gap:.4f}  se {se:.4f}" for n, (gap, se) in gaps.items()]
    name, best, se = cu.simplest_within_noise(untuned_cv)
    lines.append(f"   chosen: {name} (the simplest within one standard error of the best, {best})")
    after, hand = made[name], made["hand-set"]
    lines += [
        "   Brier: corpus  n | hand-set | current YAML | chosen in-sample | chosen CV",
        "     (tuned: leave-one-corpus-out; untuned: by scenario) | top-1 current/chosen",
    ]
    lines += _rows(
        "tuned pooled",
        records,
        [outcomes(records, hand), outcomes(records, before), outcomes(records, after), loco[name]],
    )
    lines += _rows(
        "untuned pooled",
        recorded,
        [
            outcomes(recorded, hand),
            outcomes(recorded, before),
            outcomes(recorded, after),
            untuned_cv[name],
        ],
    )
    lines += table("chosen, untuned CV by scenario", untuned_cv[name])
    lines += table("chosen, tuned leave-one-corpus-out", loco[name])
    lines += basis_table(recorded, before, after, "untuned") + basis_table(
        records, before, after, "tuned"
    )
    worst = render_worst(outcomes(recorded, after), 8).splitlines()
    return after, [*lines, worst[0].replace("cases", "untuned cases as chosen"), *worst[1:]]


def features(records: Sequence[Record], rules: Calibration, path: Path) -> None:
    """One CSV row per hypothesis shown: what calibration reads of it, what it gave, and whether
    it was right (``--features F.csv``), for a look at the data outside this script."""
    import csv

    with path.open("w", newline="") as out:
        rows = csv.writer(out)
        rows.writerow(
            ["corpus", "case", "rank", "basis", "rule", "structural", "final", "kinds"]
            + ["signature", "alert_words", "margin", "right"]
        )
        for r in records:
            if not r.calibrated:
                continue
            by_summary = {f.summary: f for f in r.findings}
            finals = outcome(r, rules).hypotheses
            read = readings(r.hyps, r.findings, rules, r.steady)
            for rank, (hyp, g, rd) in enumerate(zip(r.hyps, finals, read, strict=False)):
                cited = [by_summary[e] for e in hyp.evidence if e in by_summary]
                below = r.hyps[rank + 1].confidence if rank + 1 < len(r.hyps) else 0.0
                rows.writerow(
                    [r.corpus, r.name, rank, rd.basis, hyp.confidence, round(rd.structural, 3)]
                    + [g.confidence, "|".join(sorted({str(f.type) for f in cited}))]
                    + [int(any(f.attrs.get("signature_id") for f in cited))]
                    + [len(hyp.evidence) - len(cited), round(hyp.confidence - below, 3)]
                    + [
                        int(
                            r.truth.failing
                            and (g.kind, g.service) == (r.truth.kind, r.truth.service)
                        )
                    ]
                )


# --- writing the YAML -----------------------------------------------------------------------------

MARK = "# --- fitted maps: written by tests/bench/calibration_fit.py --write (not by hand) ---"


def write(rules: Calibration, figures: Sequence[str], path: Path = YAML) -> None:
    """The fitted knobs in place (their comments kept) and the maps block after ``MARK``."""
    text = path.read_text().split(MARK, 1)[0].rstrip() + "\n"
    for knob in GRID:
        value = getattr(rules, knob)
        text, n = re.subn(rf"(?m)^{knob}: .*$", f"{knob}: {value:g}", text)
        if n != 1:
            raise SystemExit(f"{path.name}: no single line for {knob}")
    block = [MARK, "# Figures of the fit that wrote them (Brier: lower is better):"]
    block += [
        f"#{line}".rstrip()
        for line in figures
        if line.startswith("   ") and "top:" not in line and "worst" not in line
    ]
    block.append("maps:" if rules.maps else "maps: {}")
    for basis, points in sorted(rules.maps.items()):
        block.append(f"  {basis}: [{', '.join(f'[{x:g}, {y:g}]' for x, y in points)}]")
    path.write_text(text + "\n" + "\n".join(block) + "\n")


def main(argv: list[str]) -> int:
    from tests.bench import bench_rca

    cache = Path(argv[argv.index("--cache") + 1]) if "--cache" in argv else None
    if cache is not None and cache.exists():
        records = load(cache)
    else:
        records = collect(bench_rca.EVERY, bench_rca.corpus, bench_rca.run_scenario)
        if cache is not None:
            save(records, cache)
    for r in records:  # a set and its held-out third are one corpus here
        r.corpus = r.corpus.removesuffix("-all")
    before, recorded = calibration(), cu.recording()
    print(
        f"   replay reproduces {reproduced(records, before)}/{len(records)} tuned and "
        f"{reproduced(recorded, before)}/{len(recorded)} untuned answers as shown (fewer when "
        "the YAML changed since they were read, or the rules since the cache was)"
    )
    after, figures = report(records, before, recorded)
    print("\n".join(figures))
    print("   fitted knobs: " + ", ".join(f"{k}={getattr(after, k):g}" for k in GRID))
    for basis, points in sorted(after.maps.items()):
        print(f"   map {basis}: {points}")
    if "--features" in argv:
        features([*records, *recorded], after, Path(argv[argv.index("--features") + 1]))
    if "--write" in argv:
        write(after, figures)
        print(f"   written to {YAML}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
