"""Root-cause benchmark per corpus: investigate every scenario in the sandbox world, no LLM key.

For each scenario the world is started (moto + the local Kubernetes API), each incident of the
truth is turned into an incident view from the scenario's own alerts, and
``investigate_incident`` runs through the real clients. Truth is read only here. Scoring
(``rca_scoring.py``) gives per corpus: top-1 and top-3 (kind and service), first action right,
harmful fixes, silent investigations, crashes, the Brier score and a reliability table.

    .venv/bin/python tests/bench/bench_rca.py               # examples, holdout, thirdparty1-3 (dev)
    .venv/bin/python tests/bench/bench_rca.py --heldout     # the held-out third-party thirds, ONCE
    .venv/bin/python tests/bench/bench_rca.py --corpus thirdparty3      # or thirdparty3-all
    .venv/bin/python tests/bench/bench_rca.py --corpus thirdparty4      # or thirdparty4-all
    .venv/bin/python tests/bench/bench_rca.py --corpus aiopslab         # or aiopslab-all
    .venv/bin/python tests/bench/bench_rca.py --corpus itbench          # or itbench-all
    .venv/bin/python tests/bench/bench_rca.py --corpus itbench2         # or itbench2-all
    .venv/bin/python tests/bench/bench_rca.py --corpus sregym           # or sregym-all
    .venv/bin/python tests/bench/bench_rca.py --corpus sregym2          # or sregym2-all
    .venv/bin/python tests/bench/bench_rca.py --dir DIR | SCENARIO.yaml ...
    .venv/bin/python tests/bench/bench_rca.py --every   # every scenario, pooled (calibration)
    .venv/bin/python tests/bench/bench_rca.py --calibration-cv [--write]  # calibration_fit.py

Runs over several corpora end with the pooled figures and the worst-calibrated cases (each
case's summed squared error). ``--every`` pools every scenario the project has, held-out thirds
included: it is calibration's figure (confidence only; a rule tuned on it is not honest).

Corpora: ``examples`` = examples/scenarios, ``holdout`` = tests/scenarios/holdout (the team's own),
``thirdparty`` = tests/scenarios/thirdparty without the cases listed in its ``heldout.txt``;
``--heldout`` scores only those listed cases (``thirdparty-all``: the whole set).
``thirdparty2`` = tests/scenarios/thirdparty2 (a second set converted from the same suite, scored
untuned when it landed), split the same way by its own ``heldout.txt``; ``thirdparty2-all`` is
the whole set. ``thirdparty3`` (a third set, scored on main's rules when it landed) is split the
same way (``thirdparty3-heldout``, ``thirdparty3-all``). ``thirdparty4`` (a fourth set, kept out
of the default run so that rules are not tuned on it by accident) is split the same way
(``thirdparty4-heldout``, ``thirdparty4-all``) and scored only when named. ``aiopslab`` (cases
converted from Microsoft's AIOpsLab fault-injection problems, a second peer suite) is split the
same way (``aiopslab-heldout``, ``aiopslab-all``), also scored only when named, not part of
``--heldout`` and not of ``--every`` (calibration never sees its held-out third). ``itbench``
(cases converted from IBM's ITBench SRE scenarios, a third peer suite; held-out third drawn with
seed 20261207) is split and kept out the same way (``itbench-heldout``, ``itbench-all``), and so
is ``itbench2`` (a second batch of ITBench scenarios, held-out third drawn with seed 20261208:
``itbench2-heldout``, ``itbench2-all``), and so is ``sregym`` (SREGym's Kubernetes-platform
problems, a fourth peer suite, held-out third drawn with seed 20261210: ``sregym-heldout``,
``sregym-all``). ``sregym2`` (SREGym's application, data, hardware and
network problems; held-out third drawn with seed 20261210) is split and kept
out the same way (``sregym2-heldout``, ``sregym2-all``). Do not look at the held-out figures while
tuning.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rca_scoring import (  # noqa: E402
    Case,
    CaseOutcome,
    bench_rows,
    render,
    render_worst,
    run_cases,
    summarize,
    truths,
)

from bot.investigate import InvestigationContext, investigate_incident  # noqa: E402
from sandbox.investigate.context import context_for_world  # noqa: E402
from sandbox.investigate.views import incident_view  # noqa: E402
from sandbox.scenario import load_scenario  # noqa: E402
from sandbox.scenario_models import Alert, Scenario  # noqa: E402
from sandbox.world import SandboxWorld  # noqa: E402

EXAMPLES = ROOT / "examples" / "scenarios"
HOLDOUT = ROOT / "tests" / "scenarios" / "holdout"
THIRDPARTY = ROOT / "tests" / "scenarios" / "thirdparty"
THIRDPARTY2 = ROOT / "tests" / "scenarios" / "thirdparty2"
THIRDPARTY3 = ROOT / "tests" / "scenarios" / "thirdparty3"
THIRDPARTY4 = ROOT / "tests" / "scenarios" / "thirdparty4"
AIOPSLAB = ROOT / "tests" / "scenarios" / "aiopslab"
ITBENCH = ROOT / "tests" / "scenarios" / "itbench"
ITBENCH2 = ROOT / "tests" / "scenarios" / "itbench2"
SREGYM = ROOT / "tests" / "scenarios" / "sregym"
SREGYM2 = ROOT / "tests" / "scenarios" / "sregym2"


def heldout_names(folder: Path = THIRDPARTY) -> set[str]:
    """Scenario stems listed in ``heldout.txt`` (comments and the ``seed:`` line skipped)."""
    listing = folder / "heldout.txt"
    if not listing.exists():
        return set()
    lines = (raw.split("#", 1)[0].strip() for raw in listing.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("seed:")}


#: later third-party sets, each split by its own heldout.txt: NAME (dev), NAME-heldout, NAME-all
SPLIT_SETS = {
    "thirdparty2": THIRDPARTY2,
    "thirdparty3": THIRDPARTY3,
    "thirdparty4": THIRDPARTY4,
    "aiopslab": AIOPSLAB,
    "itbench": ITBENCH,
    "itbench2": ITBENCH2,
    "sregym": SREGYM,
    "sregym2": SREGYM2,
}


#: the dev corpora of a run with no --corpus; thirdparty4, aiopslab, itbench, itbench2, sregym and
#: sregym2
#: only when named
#: (kept from tuning)
DEFAULT = ("examples", "holdout", "thirdparty", "thirdparty2", "thirdparty3")
#: every scenario the project has, held-out thirds included (--every: calibration's pooled figure)
EVERY = (
    "examples",
    "holdout",
    "thirdparty-all",
    "thirdparty2-all",
    "thirdparty3-all",
    "thirdparty4-all",
)


def corpus(name: str) -> list[Path]:
    held = heldout_names()
    if name == "examples":
        return sorted(EXAMPLES.glob("*.yaml"))
    if name == "holdout":
        return sorted(HOLDOUT.glob("*.yaml"))
    if name == "thirdparty":
        return [p for p in sorted(THIRDPARTY.glob("*.yaml")) if p.stem not in held]
    if name == "thirdparty-heldout":
        return [p for p in sorted(THIRDPARTY.glob("*.yaml")) if p.stem in held]
    if name == "thirdparty-all":
        return sorted(THIRDPARTY.glob("*.yaml"))
    base, _, part = name.partition("-")
    if base in SPLIT_SETS and part in ("", "heldout", "all"):
        folder = SPLIT_SETS[base]
        held_here = heldout_names(folder)
        every = sorted(folder.glob("*.yaml"))
        if part == "all":
            return every
        return [p for p in every if (p.stem in held_here) == (part == "heldout")]
    raise SystemExit(f"unknown corpus {name!r}")


@contextmanager
def world_context(scenario: Scenario) -> Iterator[InvestigationContext]:
    """The scenario's sandbox world, as the investigation context the bot runs with."""
    with SandboxWorld(scenario) as world:
        yield context_for_world(world)


Wrap = Callable[[Case[InvestigationContext]], Case[InvestigationContext]]


def alerts_asker(alerts: list[Alert], root: str) -> Callable[[InvestigationContext], Any]:
    return lambda ctx: investigate_incident(ctx, incident_view(alerts, root))


def run_scenario(path: Path, wrap: Wrap | None = None) -> list[CaseOutcome]:
    """Investigate every truth incident of one scenario from its alerts, in one world.
    ``wrap`` (the calibration harness) wraps how each case is asked, to watch it."""
    loaded = load_scenario(path)
    scenario, truth = loaded.scenario, loaded.truth
    if truth is None:
        print(f"{path.name}: no truth, skipped")
        return []
    cases = [
        Case(
            f"{path.stem}#{index + 1}",
            want,
            alerts_asker([a for a in scenario.alerts if a.id in inc.alerts], inc.root_alert),
        )
        for index, (inc, want) in enumerate(truths(truth))
    ]
    if wrap is not None:
        cases = [wrap(case) for case in cases]
    return run_cases(lambda: world_context(scenario), cases)


def bench(label: str, paths: Sequence[Path]) -> list[CaseOutcome]:
    grand = time.perf_counter()
    outcomes = bench_rows(paths, run_scenario)
    print(render(label, summarize(outcomes)) + f"\n   wall {time.perf_counter() - grand:.1f} s")
    return outcomes


def main(argv: list[str]) -> int:
    if "--dir" in argv:
        at = argv.index("--dir")
        if at + 1 >= len(argv):
            print("--dir needs a folder")
            return 2
        folder = Path(argv[at + 1])
        bench(folder.name, sorted(folder.glob("*.yaml")))
        return 0
    if "--calibration-cv" in argv:  # the calibration fit, cross-validated (calibration_fit.py)
        from tests.bench.calibration_fit import main as fit

        return fit([a for a in argv if a != "--calibration-cv"])
    if "--heldout" in argv:
        bench("thirdparty held-out (score once)", corpus("thirdparty-heldout"))
        bench("thirdparty2 held-out (score once)", corpus("thirdparty2-heldout"))
        bench("thirdparty3 held-out (score once)", corpus("thirdparty3-heldout"))
        bench("thirdparty4 held-out (score once)", corpus("thirdparty4-heldout"))
        return 0
    if "--corpus" in argv:
        at = argv.index("--corpus")
        names = argv[at + 1 : at + 2]
        del argv[at : at + 2]
    elif "--every" in argv:
        names = list(EVERY)
    else:
        names = list(DEFAULT)
    files = [Path(a) for a in argv if not a.startswith("--")]
    if files:
        bench("files", files)
        return 0
    everything: list[CaseOutcome] = []
    for name in names:
        everything += bench(name, corpus(name))
    if len(names) > 1:
        label = "every corpus, pooled" if names == list(EVERY) else "all corpora above (dev)"
        print(render(label, summarize(everything)))
        print(render_worst(everything))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
