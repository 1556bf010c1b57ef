"""Generated-scenario bench: every failure class of issue 15, random names, topology and noise.

For each fault class of ``scenario_faults.CLASSES``, ``--per-class N`` scenarios are drawn from
``--seed S`` (``scenario_gen.py``: a made-up production, one fault at a random place, its
symptoms on the callers, random noise, the truth), validated by the sandbox's loader, replayed
in a sandbox world and investigated from their alerts exactly as ``bench_rca.py`` does; the
scoring is ``rca_scoring.py``'s. Prints a row per scenario the bot got wrong, then per class and
overall: top-1 / top-3 (service and kind), harmful first actions, silent investigations,
crashes and the Brier score, with the seed.

    .venv/bin/python tests/bench/bench_generated.py [--seed 7] [--per-class 4] [--class NAME ...]
    .venv/bin/python tests/bench/bench_generated.py --dump DIR   # write the YAML files, no run
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_rca import alerts_asker, world_context  # noqa: E402
from rca_scoring import (  # noqa: E402
    Case,
    CaseOutcome,
    render,
    row,
    run_cases,
    score,
    summarize,
    truths,
)
from scenario_faults import CLASSES, generate  # noqa: E402
from scenario_gen import to_loaded  # noqa: E402

DEFAULT_SEED = 7
DEFAULT_PER_CLASS = 4


def scenario_seeds(seed: int, per_class: int) -> list[int]:
    return [seed * 1000 + i for i in range(per_class)]


def run_generated(doc: dict[str, Any], label: str) -> list[CaseOutcome]:
    """Investigate the generated scenario's incident in its own sandbox world."""
    loaded = to_loaded(doc)
    scenario, truth = loaded.scenario, loaded.truth
    assert truth is not None
    cases = [
        Case(
            label,
            want,
            alerts_asker([a for a in scenario.alerts if a.id in inc.alerts], inc.root_alert),
        )
        for inc, want in truths(truth)
    ]
    return run_cases(lambda: world_context(scenario), cases)


def run_classes(
    classes: Sequence[str], seed: int, per_class: int, *, verbose: bool = True
) -> dict[str, list[CaseOutcome]]:
    """Every class's outcomes; the rows of wrong answers are printed as they come."""
    out: dict[str, list[CaseOutcome]] = defaultdict(list)
    for name in classes:
        for s in scenario_seeds(seed, per_class):
            doc = generate(name, s)
            t0 = time.perf_counter()
            got = run_generated(doc, doc["name"])
            ms = (time.perf_counter() - t0) * 1000.0
            for o in got:
                sc = score(o)
                if verbose and (not sc.top1 or sc.harmful or sc.silent or sc.crashed):
                    print(row(o, ms) + f"\n{'':48} ({doc['summary']})")
            out[name] += got
    return out


def class_table(by_class: dict[str, list[CaseOutcome]]) -> str:
    lines = [
        f"{'class':26} {'n':>3} {'top1':>5} {'top3':>5} {'harm':>4} {'silent':>6} "
        f"{'crash':>5} {'Brier':>6}"
    ]
    for name, outcomes in by_class.items():
        s = summarize(outcomes)
        brier = f"{s.brier:.3f}" if s.brier is not None else "-"
        lines.append(
            f"{name:26} {s.cases:>3} {s.top1:>5} {s.top3:>5} {s.harmful:>4} {s.silent:>6} "
            f"{s.crashes:>5} {brier:>6}"
        )
    return "\n".join(lines)


def _arg(argv: list[str], flag: str, default: int) -> int:
    return int(argv[argv.index(flag) + 1]) if flag in argv else default


def main(argv: list[str]) -> int:
    seed = _arg(argv, "--seed", DEFAULT_SEED)
    per_class = _arg(argv, "--per-class", DEFAULT_PER_CLASS)
    classes = [argv[i + 1] for i, a in enumerate(argv) if a == "--class"] or list(CLASSES)
    unknown = [c for c in classes if c not in CLASSES]
    if unknown:
        print(f"unknown class {unknown}; known: {', '.join(CLASSES)}")
        return 2
    if "--dump" in argv:
        folder = Path(argv[argv.index("--dump") + 1])
        folder.mkdir(parents=True, exist_ok=True)
        for name in classes:
            for s in scenario_seeds(seed, per_class):
                doc = generate(name, s)
                to_loaded(doc)
                (folder / f"{doc['name']}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
        return 0
    grand = time.perf_counter()
    by_class = run_classes(classes, seed, per_class)
    everything = [o for outcomes in by_class.values() for o in outcomes]
    print(f"\n== generated scenarios, seed {seed}, {per_class} per class")
    print(class_table(by_class))
    print(render(f"generated (seed {seed}, {per_class} per class), overall", summarize(everything)))
    print(f"   wall {time.perf_counter() - grand:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
