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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Round:
    n: int
    taught: int
    undone: int
    first_guess: str
    other: str
    actions: list[str]  # the recommended actions, in order
    top: str  # the top hypothesis' kind
    top_confidence: float
    why: str  # what history says about the first action ("-": nothing)


def run_rounds(path: Path = SCENARIO) -> list[Round]:
    """Replay ``path`` as TEACH + UNDO + 1 incidents, recording outcomes between rounds."""
    loaded = load_scenario(path)
    assert loaded.truth is not None, "the scenario needs its truth (the alerts of the incident)"
    truth = loaded.truth.incidents[0]
    alerts = [a for a in loaded.scenario.alerts if a.id in truth.alerts]
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory() as tmp, SandboxWorld(loaded.scenario) as world:
        db = connect_db(f"sqlite:///{Path(tmp) / 'learn.db'}")
        upgrade(db.engine)
        clock = SandboxClock(loaded.scenario.now)
        desk = Desk(db=db, clock=clock)
        ctx = context_for_world(world)
        target = incident_view(alerts, truth.root_alert)
        first_guess = other = ""
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
            if n == 0:
                pool = [a for a in actions if a != actions[0]]
                first_guess, other = actions[0], pool[0] if pool else ""
            top = found.result.hypotheses[0]
            lead = found.result.actions[0] if found.result.actions else None
            why = lead.history if lead is not None and lead.history else "-"
            rounds.append(Round(n, min(n, TEACH), max(0, n - TEACH), first_guess, other, actions,
                                top.kind, top.confidence, why))  # fmt: skip
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
    return rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rounds = run_rounds(args.scenario)
    print(f"scenario: {args.scenario.name}")
    if rounds:
        print(f"first guess: {rounds[0].first_guess}; the fix that works: {rounds[0].other}")
    print(f"{'round':>5}  {'history before':<22} {'guess':>5} {'other':>5}  top hypothesis  why")
    for r in rounds:
        before = f"{r.taught} taught, {r.undone} undone"
        print(f"{r.n:>5}  {before:<22} {_rank(r.actions, r.first_guess):>5} "
              f"{_rank(r.actions, r.other):>5}  {r.top} {r.top_confidence:.2f}  "
              f"{r.actions[0] if r.actions else '-'} first: {r.why}")  # fmt: skip


if __name__ == "__main__":
    main()
