"""Scenarios for the load balancer, stopped-task and reachability playbooks
(tests/scenarios/playbooks), replayed as `aiops replay --json` does: alerts through the real
webhooks, each incident investigated over boto3 against the sandbox. Grouping, the top
hypothesis and the first action must equal the truth, which is read here only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from handlers.replay.runner import replay
from sandbox.investigate.enricher import InvestigateEach
from sandbox.scenario import load_scenario

HERE = Path(__file__).resolve().parents[1] / "scenarios" / "playbooks"
SCENARIOS = sorted(HERE.glob("*.yaml"))


def test_the_scenarios_are_there() -> None:
    assert [p.stem[:3] for p in SCENARIOS] == ["p01", "p02", "p03"]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_replayed_answer_matches_truth(path: Path) -> None:
    loaded = load_scenario(path)
    truth = loaded.truth
    assert truth is not None
    with InvestigateEach(loaded.scenario) as investigate:
        result = replay(loaded.scenario, enrichers=[investigate])
    incidents: list[dict[str, Any]] = result["incidents"]
    got = sorted((sorted(i["alerts"]), i["root_alert"]) for i in incidents)
    assert got == sorted((sorted(i.alerts), i.root_alert) for i in truth.incidents)
    [incident] = incidents
    investigation = incident["investigation"]
    top = investigation["hypotheses"][0]
    cause = truth.root_cause
    assert cause is not None
    assert (top["kind"], top["service"]) == (cause.kind, cause.service), investigation
    if truth.fix is not None:
        first = investigation["actions"][0]
        assert first["action"] == truth.fix.action
        assert {k: first["params"].get(k) for k in truth.fix.params} == truth.fix.params
    else:  # nothing in the registry fixes it: no write is proposed first
        assert all(a["risk"] == "low" for a in investigation["actions"][:1])
