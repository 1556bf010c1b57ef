"""Root-cause benchmark: investigate every example scenario in the sandbox world, no LLM key.

For each scenario the world is started (moto + the local Kubernetes API), each incident of the
truth is turned into an incident view from the scenario's own alerts, and
``investigate_incident`` runs through the real clients. Truth is read only here.

Prints per incident: top-1 (kind and service both right), top-3, first-action accuracy (same
action name and params include every truth param; with no truth fix, right means no high-risk
first action), and wall time; then the totals.

    .venv/bin/python tests/bench/bench_rca.py [--dir DIR] [SCENARIO.yaml ...]

``--dir DIR`` benches every ``*.yaml`` in DIR (e.g. ``tests/scenarios/holdout``); the default is
the in-repo examples (``examples/scenarios``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.investigate import investigate_incident  # noqa: E402
from sandbox.investigate.context import context_for_world  # noqa: E402
from sandbox.investigate.views import incident_view  # noqa: E402
from sandbox.scenario import load_scenario  # noqa: E402
from sandbox.world import SandboxWorld  # noqa: E402

DEFAULT_DIR = ROOT / "examples" / "scenarios"


def first_action_ok(actions: list, fix: object) -> bool:
    first = actions[0] if actions else None
    if fix is None:
        return first is None or first.risk != "high"
    if first is None or first.action != fix.action:  # type: ignore[attr-defined]
        return False
    return all(first.params.get(k) == v for k, v in fix.params.items())  # type: ignore[attr-defined]


def main(paths: list[Path]) -> int:
    totals = {"n": 0, "top1": 0, "top3": 0, "fix": 0}
    grand = time.perf_counter()
    head = f"{'scenario':44} {'incident':8} {'top1':4} {'top3':4} {'fix':4} {'ms':>6}"
    print(head + "  top hypothesis")
    for path in paths:
        loaded = load_scenario(path)
        scenario, truth = loaded.scenario, loaded.truth
        if truth is None:
            print(f"{path.name}: no truth, skipped")
            continue
        with SandboxWorld(scenario) as world:
            ctx = context_for_world(world)
            for index, inc in enumerate(truth.incidents):
                cause = inc.root_cause or truth.root_cause
                fix = inc.fix or truth.fix
                if cause is None:
                    continue
                alerts = [a for a in scenario.alerts if a.id in inc.alerts]
                t0 = time.perf_counter()
                result = investigate_incident(ctx, incident_view(alerts, inc.root_alert))
                ms = (time.perf_counter() - t0) * 1000.0
                ranked = [(h.kind, h.service) for h in result.hypotheses]
                want = (cause.kind, cause.service)
                top1 = bool(ranked) and ranked[0] == want
                top3 = want in ranked[:3]
                fixed = first_action_ok(result.actions, fix)
                totals["n"] += 1
                totals["top1"] += top1
                totals["top3"] += top3
                totals["fix"] += fixed
                top = result.hypotheses[0] if result.hypotheses else None
                label = f"{top.kind}/{top.service} {top.confidence:.2f}" if top else "-"
                failed = [s.name for s in result.steps if s.status != "ok"]
                print(
                    f"{path.stem[:44]:44} {index + 1:<8} {'Y' if top1 else 'n':4} "
                    f"{'Y' if top3 else 'n':4} {'Y' if fixed else 'n':4} {ms:6.0f}  {label}"
                    + (f"  (failed steps: {', '.join(failed)})" if failed else "")
                )
                if not top1:
                    print(f"{'':44} truth: {want[0]}/{want[1]}")
    n = max(1, totals["n"])
    print(
        f"\nTOTAL incidents={totals['n']}  top-1 {totals['top1']}/{totals['n']} "
        f"({100 * totals['top1'] / n:.0f}%)  top-3 {totals['top3']}/{totals['n']}  "
        f"first-action {totals['fix']}/{totals['n']}  wall {time.perf_counter() - grand:.1f} s"
    )
    return 0


if __name__ == "__main__":
    argv = sys.argv[1:]
    folder = DEFAULT_DIR
    if "--dir" in argv:
        at = argv.index("--dir")
        if at + 1 >= len(argv):
            print("--dir needs a folder")
            sys.exit(2)
        folder = Path(argv[at + 1])
        del argv[at : at + 2]
    args = [Path(a) for a in argv] or sorted(folder.glob("*.yaml"))
    if not args:
        print(f"no scenarios (looked in {folder})")
        sys.exit(0)
    sys.exit(main(args))
