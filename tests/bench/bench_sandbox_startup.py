"""Print the start-up time of the whole sandbox world per example scenario, and the max.

Run: .venv/bin/python tests/bench/bench_sandbox_startup.py
A first pass pays one-off imports (moto backends, botocore models) and is summarised;
the second pass is printed per scenario. Target: every start < 3 s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sandbox.aws import moto_server  # noqa: E402
from sandbox.scenario import load_scenario  # noqa: E402
from sandbox.world import SandboxWorld  # noqa: E402

SCENARIOS = ROOT / "examples" / "scenarios"


def _start(path: Path) -> tuple[float, str]:
    scenario = load_scenario(path).scenario
    start = time.perf_counter()
    with SandboxWorld(scenario) as world:
        elapsed = time.perf_counter() - start
        parts = ", ".join(f"{k} {v:.2f}" for k, v in world.startup_seconds.items())
    return elapsed, parts


def main() -> int:
    files = sorted(SCENARIOS.glob("*.yaml"))
    if not files:
        print(f"no example scenarios in {SCENARIOS}; nothing to measure")
        return 0
    first = [_start(path)[0] for path in files]
    print(
        f"first pass (one-off imports of moto backends and botocore models included): "
        f"total {sum(first):.2f} s, first world {first[0]:.2f} s, max {max(first):.2f} s"
    )
    warm: list[float] = []
    for path in files:
        elapsed, parts = _start(path)
        warm.append(elapsed)
        print(f"{path.name:50s} {elapsed:5.2f} s   ({parts})")
    moto_server.shutdown()
    worst = max(warm)
    print(f"max start-up: {worst:.2f} s (target < 3 s: {'met' if worst < 3 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
