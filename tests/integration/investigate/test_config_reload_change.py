"""A configuration reloaded while running leaves no deploy and no change record: the log line
that says so is the change evidence. ``logs.mine`` over a scenario adds a change fact at the
line's time, and the reasoning blames the reload for the failure that follows it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.investigate import InvestigationContext, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import FindingType
from bot.investigate.primitives.base import Scope
from bot.investigate.primitives.logs import mine
from bot.investigate.reasoning import conclude
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.scenario import load_scenario

SCENARIO = Path(__file__).parent / "scenarios" / "config-reload.yaml"


def test_a_reload_line_is_a_change_fact_and_the_failure_after_it_is_blamed_on_it() -> None:
    scenario = load_scenario(SCENARIO).scenario
    topo = Topology.from_specs(scenario.services)
    ctx = InvestigationContext(ScenarioEvidence(scenario), topo)
    now = ctx.now()
    scope = Scope(("pricing",), now - timedelta(hours=1), now, now - timedelta(hours=6))
    found = mine(ctx, scope, {})
    changes = [f for f in found if f.type == FindingType.CHANGE]
    assert len(changes) == 1
    change = changes[0]
    assert (change.service, change.get("kind"), change.get("behavioural")) == (
        "pricing",
        "config",
        True,
    )
    assert change.get("minutes_ago") == 25
    done = conclude([], default_playbooks(), found, topo)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("config_change", "pricing")
    assert change.summary in top.evidence
