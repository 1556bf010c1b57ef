"""The learning loop through the real investigation (an example scenario in the sandbox world):
three incidents whose fix was the playbook's second action put it first with the reason; two
newer incidents that say the opposite put the playbook's first guess back on top."""

from __future__ import annotations

import pytest

from tests.bench.bench_learning import SCENARIO, TEACH, UNDO, run_rounds


def test_a_fix_that_worked_leads_with_its_reason_and_drops_back_when_undone() -> None:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    rounds = run_rounds(SCENARIO)
    assert len(rounds) == TEACH + UNDO + 1
    first, *taught = rounds[: TEACH + 1]
    guess, other = first.first_guess, first.other
    assert other and first.actions[0] == guess and first.why == "-"  # no history yet
    for r in taught:
        assert r.actions[0] == other, (r.n, r.actions)
        assert r.why.startswith(f"fixed {r.taught} of {r.taught} similar incidents, last #")
    assert rounds[-1].actions[0] == guess and other in rounds[-1].actions
