"""Learning from outcomes: does the next investigation rank the fix that worked first, say why,
and drop it again when newer incidents say otherwise?

An example scenario (``01-deploy-db-pool-exhaustion``) is replayed in the sandbox world six
times, each time as a new incident on a migrated SQLite store, through the same flow Slack and
the terminal use (``bot.respond.proposals.investigate_incident``: investigate with the store's
history, save, propose). The playbook's first recommended action is taken as the first guess and
the other action the same hypothesis recommends as the real fix. Between rounds, what the
on-call engineer reports is recorded through ``bot.learn`` exactly as the Slack doors do:

- after rounds 0–2: the first guess ran and did not recover the service (a remediation
  ``not_recovered``), and the resolve modal's "what fixed it" names the other action;
- after rounds 3–4: the other way round (the first guess verified, the other not recovered).

It prints, round by round, the rank (1 = proposed first) of both actions, the top hypothesis'
confidence and the reason history gives. Nothing is asserted: the figures go in the note.

    .venv/bin/python tests/bench/bench_learning.py [--scenario PATH]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.clock import SandboxClock  # noqa: E402
from bot.learn import feedback as learned  # noqa: E402
from bot.respond import proposals  # noqa: E402
from bot.respond.approvals import Desk  # noqa: E402
from bot.store import Incident, RemediationRequest  # noqa: E402
from bot.store import connect as connect_db  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from sandbox.investigate.context import context_for_world  # noqa: E402
from sandbox.investigate.views import incident_view  # noqa: E402
from sandbox.scenario import load_scenario  # noqa: E402
from sandbox.world import SandboxWorld  # noqa: E402

SCENARIO = ROOT / "examples" / "scenarios" / "01-deploy-db-pool-exhaustion.yaml"
TEACH, UNDO = 3, 2  # rounds that teach the other fix, then rounds that undo it


def _rank(actions: list[str], name: str) -> str:
    return str(actions.index(name) + 1) if name in actions else "-"


def _request(found: proposals.Investigated, action: str) -> RemediationRequest:
    return next(r for r in found.requests if r.action == action)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    loaded = load_scenario(args.scenario)
    assert loaded.truth is not None, "the scenario needs its truth (the alerts of the incident)"
    truth = loaded.truth.incidents[0]
    alerts = [a for a in loaded.scenario.alerts if a.id in truth.alerts]
    with tempfile.TemporaryDirectory() as tmp, SandboxWorld(loaded.scenario) as world:
        db = connect_db(f"sqlite:///{Path(tmp) / 'learn.db'}")
        upgrade(db.engine)
        clock = SandboxClock(loaded.scenario.now)
        desk = Desk(db=db, clock=clock)
        ctx = context_for_world(world)
        target = incident_view(alerts, truth.root_alert)
        first_guess = other = ""
        print(f"scenario: {args.scenario.name}")
        print(
            f"{'round':>5}  {'history before':<28} {'guess':>5} {'other':>5}  top hypothesis  why"
        )
        for n in range(TEACH + UNDO + 1):
            with db.session() as s:
                row = Incident(
                    title=target.title, services=sorted({a.service or "" for a in alerts})
                )
                s.add(row)
                s.flush()
                incident_id = row.id or 0
            found = proposals.investigate_incident(
                desk, ctx, target, incident_id=incident_id, requested_by="bench"
            )
            actions = [a.action for a in found.result.actions]
            top = found.result.hypotheses[0]
            if n == 0:
                pool = [a for a in actions if a != actions[0]]
                first_guess, other = actions[0], pool[0] if pool else ""
                print(f"first guess: {first_guess}; the fix that works: {other}")
            taught = min(n, TEACH)
            undone = max(0, n - TEACH)
            before = f"{taught} taught, {undone} undone"
            why = next((a.rationale.split("History: ", 1)[1] for a in found.result.actions
                        if a.action == actions[0] and "History: " in a.rationale), "-")  # fmt: skip
            print(f"{n:>5}  {before:<28} {_rank(actions, first_guess):>5} "
                  f"{_rank(actions, other):>5}  {top.kind} {top.confidence:.2f}  "
                  f"{actions[0]} first: {why}")  # fmt: skip
            if n >= TEACH + UNDO or not other:
                continue
            worked, failed = (other, first_guess) if n < TEACH else (first_guess, other)
            learned.remediation_settled(db, _request(found, failed), "not_recovered",
                                        clock=clock, user="bench")  # fmt: skip
            if n < TEACH:
                learned.what_fixed_it(db, clock, user="bench", incident_id=incident_id,
                                      pick=f"action:{worked}", text=None)  # fmt: skip
            else:
                learned.remediation_settled(db, _request(found, worked), "verified", clock=clock,
                                            user="bench")  # fmt: skip
            clock.advance(timedelta(days=7))
        db.dispose()


if __name__ == "__main__":
    main()
