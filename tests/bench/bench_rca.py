"""Root-cause benchmark per corpus: investigate every scenario in the sandbox world, no LLM key.

For each scenario the world is started (moto + the local Kubernetes API), each incident of the
truth is turned into an incident view from the scenario's own alerts, and
``investigate_incident`` runs through the real clients. Truth is read only here. Scoring
(``rca_scoring.py``) gives per corpus: top-1 and top-3 (kind and service), first action right,
harmful fixes, silent investigations, crashes, the Brier score and a reliability table.

    .venv/bin/python tests/bench/bench_rca.py               # examples, holdout, thirdparty(2) (dev)
    .venv/bin/python tests/bench/bench_rca.py --heldout     # the held-out third-party thirds, ONCE
    .venv/bin/python tests/bench/bench_rca.py --corpus thirdparty2
    .venv/bin/python tests/bench/bench_rca.py --dir DIR | SCENARIO.yaml ...

Corpora: ``examples`` = examples/scenarios, ``holdout`` = tests/scenarios/holdout (the team's own),
``thirdparty`` = tests/scenarios/thirdparty without the cases listed in its ``heldout.txt``;
``--heldout`` scores only those listed cases. ``thirdparty2`` = tests/scenarios/thirdparty2 (a
second set converted from the same suite, scored untuned when it landed), split the same way by
its own ``heldout.txt``; ``thirdparty2-all`` is the whole set. Do not look at the held-out figures
while tuning.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rca_scoring import (  # noqa: E402
    CaseOutcome,
    Guess,
    Proposal,
    Truth,
    render,
    score,
    summarize,
)

from bot.investigate import investigate_incident  # noqa: E402
from sandbox.investigate.context import context_for_world  # noqa: E402
from sandbox.investigate.views import incident_view  # noqa: E402
from sandbox.scenario import load_scenario  # noqa: E402
from sandbox.world import SandboxWorld  # noqa: E402

EXAMPLES = ROOT / "examples" / "scenarios"
HOLDOUT = ROOT / "tests" / "scenarios" / "holdout"
THIRDPARTY = ROOT / "tests" / "scenarios" / "thirdparty"
THIRDPARTY2 = ROOT / "tests" / "scenarios" / "thirdparty2"


def heldout_names(folder: Path = THIRDPARTY) -> set[str]:
    """Scenario stems listed in ``heldout.txt`` (comments and the ``seed:`` line skipped)."""
    listing = folder / "heldout.txt"
    if not listing.exists():
        return set()
    lines = (raw.split("#", 1)[0].strip() for raw in listing.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("seed:")}


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
    if name.startswith("thirdparty2"):
        held2 = heldout_names(THIRDPARTY2)
        every = sorted(THIRDPARTY2.glob("*.yaml"))
        split = {
            "thirdparty2": [p for p in every if p.stem not in held2],
            "thirdparty2-heldout": [p for p in every if p.stem in held2],
            "thirdparty2-all": every,
        }
        if name in split:
            return split[name]
    raise SystemExit(f"unknown corpus {name!r}")


def _truths(truth: object) -> list[tuple[object, Truth]]:
    out = []
    for inc in truth.incidents:  # type: ignore[attr-defined]
        cause = inc.root_cause or truth.root_cause  # type: ignore[attr-defined]
        fix = inc.fix or truth.fix  # type: ignore[attr-defined]
        out.append(
            (
                inc,
                Truth(
                    kind=cause.kind if cause else None,
                    service=cause.service if cause else None,
                    fix_action=fix.action if fix else None,
                    fix_params=dict(fix.params) if fix else {},
                ),
            )
        )
    return out


def run_scenario(path: Path) -> list[CaseOutcome]:
    """Investigate every truth incident of one scenario; an error is a crash, never an abort."""
    loaded = load_scenario(path)
    scenario, truth = loaded.scenario, loaded.truth
    if truth is None:
        print(f"{path.name}: no truth, skipped")
        return []
    cases = _truths(truth)
    outcomes: list[CaseOutcome] = []
    try:
        with SandboxWorld(scenario) as world:
            ctx = context_for_world(world)
            for index, (inc, want) in enumerate(cases):
                name = f"{path.stem}#{index + 1}"
                alerts = [a for a in scenario.alerts if a.id in inc.alerts]  # type: ignore[attr-defined]
                try:
                    result = investigate_incident(ctx, incident_view(alerts, inc.root_alert))  # type: ignore[attr-defined]
                except Exception as exc:  # a crash is a figure, not the end of the bench
                    outcomes.append(CaseOutcome(name, want, crashed=f"{type(exc).__name__}: {exc}"))
                    continue
                outcomes.append(
                    CaseOutcome(
                        name,
                        want,
                        hypotheses=[
                            Guess(h.kind, h.service, h.confidence) for h in result.hypotheses
                        ],
                        actions=[
                            Proposal(a.action, dict(a.params), a.risk) for a in result.actions
                        ],
                    )
                )
    except Exception as exc:  # the world itself did not come up
        error = f"{type(exc).__name__}: {exc}"
        done = {o.name for o in outcomes}
        for index, (_, want) in enumerate(cases):
            name = f"{path.stem}#{index + 1}"
            if name not in done:
                outcomes.append(CaseOutcome(name, want, crashed=error))
    return outcomes


def _line(outcome: CaseOutcome, ms: float) -> str:
    s = score(outcome)
    top = outcome.hypotheses[0] if outcome.hypotheses else None
    label = f"{top.kind}/{top.service} {top.confidence:.2f}" if top else "-"
    first = outcome.actions[0].action if outcome.actions else "-"
    flags = "".join(
        f" {flag}"
        for flag, on in (("SILENT", s.silent), ("HARMFUL", s.harmful), ("CRASH", s.crashed))
        if on
    )
    mark = lambda b: "Y" if b else "n"  # noqa: E731
    want = (
        f"{outcome.truth.kind}/{outcome.truth.service}" if outcome.truth.failing else "no failure"
    )
    text = (
        f"{outcome.name[:48]:48} {mark(s.top1):4} {mark(s.top3):4} {mark(s.first_action):4} "
        f"{ms:6.0f}  {label}  first={first}{flags}"
    )
    if not s.top1:
        text += f"\n{'':48} truth: {want}"
    if outcome.crashed:
        text += f"\n{'':48} crash: {outcome.crashed[:200]}"
    return text


def bench(label: str, paths: Sequence[Path]) -> list[CaseOutcome]:
    print(f"\n{'incident':48} {'top1':4} {'top3':4} {'fix':4} {'ms':>6}  top hypothesis")
    outcomes: list[CaseOutcome] = []
    grand = time.perf_counter()
    for path in paths:
        t0 = time.perf_counter()
        got = run_scenario(path)
        ms = (time.perf_counter() - t0) * 1000.0 / max(1, len(got))
        for outcome in got:
            print(_line(outcome, ms))
        outcomes.extend(got)
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
    if "--heldout" in argv:
        bench("thirdparty held-out (score once)", corpus("thirdparty-heldout"))
        bench("thirdparty2 held-out (score once)", corpus("thirdparty2-heldout"))
        return 0
    if "--corpus" in argv:
        at = argv.index("--corpus")
        names = argv[at + 1 : at + 2]
        del argv[at : at + 2]
    else:
        names = ["examples", "holdout", "thirdparty", "thirdparty2"]
    files = [Path(a) for a in argv if not a.startswith("--")]
    if files:
        bench("files", files)
        return 0
    everything: list[CaseOutcome] = []
    for name in names:
        everything += bench(name, corpus(name))
    if len(names) > 1:
        print(render("all corpora above (dev)", summarize(everything)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
