"""One hop down: a caller that fails in the first read (a consumer whose lag climbs) may wait on
a dependency nobody read. The dependencies of failing services outside the first scope are read
with the same steps, and the cause found there leads."""

from __future__ import annotations

from pathlib import Path

from bot.investigate import InvestigationContext, Topology, investigate_incident
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.investigate.views import incident_view
from sandbox.scenario import load_scenario

SCENARIO = Path(__file__).parent / "scenarios" / "one-hop-down.yaml"


def test_the_datastore_a_failing_consumer_waits_on_is_read_and_blamed() -> None:
    scenario = load_scenario(SCENARIO).scenario
    ctx = InvestigationContext(ScenarioEvidence(scenario), Topology.from_specs(scenario.services))
    result = investigate_incident(ctx, incident_view(scenario.alerts, "a1"))
    below = [s for s in result.steps if "one hop down: ledger-store" in s.name]
    assert below, [s.name for s in result.steps]
    assert any(f.service == "ledger-store" and f.get("signal") == "cpu" for f in result.findings)
    top = result.hypotheses[0]
    assert (top.kind, top.service) == ("cpu_saturation", "ledger-store")
    assert not any(a.risk != "read" for a in result.actions[:1])
