"""Start-up benchmark: wall time of ``aiops --help`` and ``aiops incident list`` (median of 3
fresh processes each), and the heavy packages the entry module pulls in. Prints figures,
asserts nothing.

``incident list`` runs against an empty SQLite database in a temporary folder.

Run: .venv/bin/python tests/bench/bench_startup.py [--runs 3] [--root OTHER_CHECKOUT]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("kubernetes", "boto3", "anthropic", "matplotlib", "statsforecast", "alembic", "moto")
ENTRY = "from handlers.cli.main import run; run()"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh ``aiops`` process; CPU moves less with machine load."""
    started, cpu = time.perf_counter(), _cpu()
    out = subprocess.run(
        [sys.executable, "-c", ENTRY, *args], env=env, cwd=env["AIOPS_ROOT"], capture_output=True,
        text=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"aiops {' '.join(args)} failed: {out.stderr.strip()[-500:]}")
    return elapsed, _cpu() - cpu


def pulled(env: dict[str, str]) -> list[str]:
    code = (
        f"import sys, handlers.cli.main;print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=env["AIOPS_ROOT"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--root", type=Path, default=ROOT, help="the tree to time (a checkout)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": str(args.root),
            "AIOPS_ROOT": str(args.root),
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "AIOPS_CONFIG": str(Path(tmp) / "none.toml"),
        }
        timed(["db", "upgrade"], env)  # a fresh schema, outside the timing
        for cmd in (["--help"], ["incident", "list"]):
            runs = [timed(cmd, env) for _ in range(args.runs)]
            wall = [w for w, _ in runs]
            print(
                f"aiops {' '.join(cmd):<14} median {statistics.median(wall):.2f} s wall, "
                f"{statistics.median(c for _, c in runs):.2f} s CPU "
                f"(wall runs: {', '.join(f'{t:.2f}' for t in wall)})"
            )
        heavy = pulled(env)
        print(f"import handlers.cli.main pulls: {', '.join(heavy) or 'none of ' + str(HEAVY)}")


if __name__ == "__main__":
    main()
