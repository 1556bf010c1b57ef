"""Runbook sync benchmark: a local git repository of N runbooks (``git init`` + commits), synced
through the git command line. Prints the wall time of the first sync (clone + validate + swap),
a sync with nothing new (fetch only), a sync after a push that changes one file (fetch +
validate all N + swap), and a push with one bad file (fetch + validate + report; nothing
swapped). Median of ``--runs``; asserts nothing.

Figures on the shared 2-core machine (200 runbooks, median of 3): before reading every blob in
one ``cat-file --batch`` and composing a file's YAML only for an error: first 4614 ms, unchanged
1003 ms, one changed 3911 ms, bad 4211 ms; after: first 372, unchanged 87, one changed 260, bad
316.

Run: PYTHONPATH=$PWD .venv/bin/python tests/bench/bench_runbook_sync.py [--runbooks 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.remediate import registry  # noqa: F401  (the live set's shipped-folder loader)
from bot.remediate.runbooks_live import LiveRunbooks
from bot.runbooks.ports import RecordingOps
from bot.runbooks.sync import RunbookSync
from bot.runbooks.validate import vocabulary

BOOK = """\
name: restart-{i}
description: Restart deployment number {i}.
triggers: {{kinds: [memory_leak], signatures: [oom]}}
mode: semi_auto
approval_timeout_minutes: 15
rate_limit: {{max: 2, per_minutes: 60}}
inputs:
  target: {{type: str}}
  replicas: {{type: int, default: {replicas}}}
steps:
  - action: k8s.restart_deployment
    params: {{namespace: prod, name: "{{target}}"}}
    rollback: none
  - action: k8s.scale_deployment
    params: {{namespace: prod, name: "{{target}}", replicas: "{{replicas}}"}}
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runbooks", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    vocabulary_ms = timed(vocabulary)  # once per process: the kinds and signatures triggers name
    figures: dict[str, list[float]] = {"first": [], "unchanged": [], "one changed": [], "bad": []}
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            repo = Path(tmp) / "repo"
            repo.mkdir()
            git(repo, "init", "--quiet", "--initial-branch", "main")
            for i in range(args.runbooks):
                (repo / f"restart-{i}.yaml").write_text(BOOK.format(i=i, replicas=3))
            commit(repo, "runbooks")
            ops = RecordingOps()
            sync = RunbookSync(url=str(repo), ref="main", cache=Path(tmp) / "cache",
                               live=LiveRunbooks(), notice=ops)  # fmt: skip
            figures["first"].append(timed(sync.sync))
            figures["unchanged"].append(timed(sync.sync))
            (repo / "restart-0.yaml").write_text(BOOK.format(i=0, replicas=4 + run))
            commit(repo, "one change")
            figures["one changed"].append(timed(sync.sync))
            (repo / "restart-1.yaml").write_text(BOOK.format(i=1, replicas=3) + "shell: x\n")
            commit(repo, "one bad file")
            figures["bad"].append(timed(sync.sync))
            assert len(ops.notices) == 1 and sync.live.current().books["restart-0"]
    print(f"runbook sync, {args.runbooks} runbooks, median of {args.runs} (ms):")
    print(f"  {'vocabulary':<12} {vocabulary_ms:8.1f}   (once per process, before the first sync)")
    for name, values in figures.items():
        print(f"  {name:<12} {statistics.median(values):8.1f}   (min {min(values):.1f})")


if __name__ == "__main__":
    main()
