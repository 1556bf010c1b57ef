"""Automatic investigation benchmark: prints figures, asserts nothing.

1. Ingest is not held up: the time ``group_alerts`` takes per delivery (an example scenario's
   critical alert, then copies of it that grow the incident) with automatic investigation off
   and on: while the investigation runs beside ingest (same process: it shares the CPU), and
   afterwards (growth within the cooldown: the hook's own cost, a job and one read).
2. How soon the result is there: from the delivery that opens the incident to the findings
   reported (what Slack's thread and the PagerDuty note get), on the scenario's sandbox world.
3. The claim: how long one claim takes, and how many of 8 racing threads win (always 1).

Run: .venv/bin/python tests/bench/bench_auto_investigate.py [--alerts 30] [--scenario FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.incidents.flows import IncidentFlows  # noqa: E402
from bot.incidents.ports import RecordingPublisher  # noqa: E402
from bot.ingest.generic import parse_generic  # noqa: E402
from bot.jobs import JobRunner  # noqa: E402
from bot.respond import auto_claims  # noqa: E402
from bot.respond.approvals import Desk  # noqa: E402
from bot.respond.auto import (  # noqa: E402
    AutoInvestigator,
    RecordingAutoReport,
    wire_auto_investigation,
)
from bot.respond.auto_policy import AutoInvestigateFile, parse_auto_investigate  # noqa: E402
from bot.store import Database, Incident, connect  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from handlers.slack.wiring import built_once  # noqa: E402
from sandbox.investigate.context import context_for_world  # noqa: E402
from sandbox.replay.wire import generic  # noqa: E402
from sandbox.scenario import load_scenario  # noqa: E402
from sandbox.world import SandboxWorld  # noqa: E402

POLICY = "default: p\npolicies: [{name: p, when: [{severities: [critical]}], cooldown: 10m}]\n"


def _db(folder: Path, name: str) -> Database:
    db = connect(f"sqlite:///{folder / name}.db")
    upgrade(db.engine)
    return db


def _ingest(world: Any, db: Database, config: AutoInvestigateFile, n: int) -> dict[str, float]:
    flows = IncidentFlows(db, clock=world.clock, publisher=RecordingPublisher())
    jobs = JobRunner(max_workers=2)
    desk = Desk(db=db, clock=world.clock, jobs=jobs, flows=flows)
    report = RecordingAutoReport()
    auto = AutoInvestigator(desk, config, context=built_once(lambda: context_for_world(world)),
                            report=report)  # fmt: skip
    wire_auto_investigation(flows, auto, jobs)
    critical = next(a for a in world.scenario.alerts if a.severity == "critical")
    (first,) = parse_generic(generic(critical, world.clock.now()))
    times, t_open = [], time.perf_counter()
    for i in range(n):
        alert = replace(first, fingerprint=f"{first.fingerprint}-{i}") if i else first
        t0 = time.perf_counter()
        flows.group_alerts([alert])
        times.append((time.perf_counter() - t0) * 1000)
    jobs.wait_idle(300)
    done = time.perf_counter() - t_open
    after = []  # growth within the cooldown once the run is over: only the hook's own cost
    for i in range(n, 2 * n):
        t0 = time.perf_counter()
        flows.group_alerts([replace(first, fingerprint=f"{first.fingerprint}-{i}")])
        after.append((time.perf_counter() - t0) * 1000)
    jobs.wait_idle(300)
    jobs.shutdown()
    return {
        "after_ms": statistics.median(after),
        "first_ms": times[0],
        "median_ms": statistics.median(times),
        "p95_ms": sorted(times)[int(len(times) * 0.95) - 1],
        "runs": float(len(report.runs)),
        "to_result_s": done if report.runs else float("nan"),
    }


def _claims(db: Database, world: Any) -> tuple[float, int]:
    with db.session() as s:
        row = Incident(title="bench", severity="critical", created_at=world.clock.now())
        s.add(row)
        s.flush()
        incident_id = row.id
    assert incident_id is not None
    now, wins = world.clock.now(), []
    t0 = time.perf_counter()
    for k in range(50):  # mostly refusals within the cooldown: the common case when growing
        auto_claims.claim(db, incident_id, policy="p", now=now, cooldown=timedelta(minutes=10),
                          by=f"w{k}")  # fmt: skip
    per_claim_ms = (time.perf_counter() - t0) * 1000 / 50
    later, barrier = now + timedelta(minutes=11), threading.Barrier(8)

    def race(k: int) -> None:
        barrier.wait()
        if auto_claims.claim(db, incident_id, policy="p", now=later,
                             cooldown=timedelta(minutes=10), by=f"r{k}"):  # fmt: skip
            wins.append(k)

    threads = [threading.Thread(target=race, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return per_claim_ms, len(wins)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=30)
    default = ROOT / "examples" / "scenarios" / "03-k8s-oom-memory-leak.yaml"
    parser.add_argument("--scenario", type=Path, default=default)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario).scenario
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for label, config in (
            ("off", AutoInvestigateFile()),
            ("on", parse_auto_investigate(POLICY)),
        ):
            with SandboxWorld(scenario) as world:
                rows.append((label, _ingest(world, _db(folder, label), config, args.alerts)))
        print(f"ingest of {args.alerts} deliveries growing one incident ({args.scenario.name})")
        head = ("auto", "first ms", "median ms", "p95 ms", "runs", "to result s", "after ms")
        print("{:>5} {:>9} {:>10} {:>8} {:>5} {:>12} {:>9}".format(*head))
        for label, r in rows:
            print(f"{label:>5} {r['first_ms']:9.1f} {r['median_ms']:10.1f} {r['p95_ms']:8.1f} "
                  f"{r['runs']:5.0f} {r['to_result_s']:12.1f} {r['after_ms']:9.1f}")  # fmt: skip
        with SandboxWorld(scenario) as world:
            per_claim, winners = _claims(_db(folder, "claims"), world)
        print(f"claim: {per_claim:.2f} ms each; 8 racing threads after the cooldown: {winners} won")


if __name__ == "__main__":
    main()
