"""An RDS-managed master password secret (``rds!db-<id>``) names no instance: CloudTrail's
RotateSecret carries only its id. The instance that keeps it says so (DescribeDBInstances'
``MasterUserSecret``): the change is that instance's, and its clients refused just after blame it
(datastore_refusal: a managed database's own change before its clients' refusals). boto3 against
moto, the kubernetes client against the sandbox's API server; made-up names."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.investigate import investigate_incident
from sandbox.investigate.context import context_for_world
from sandbox.investigate.views import incident_view
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld

SCENARIO = Path(__file__).parent / "scenarios" / "rds-secret-rotated.yaml"


def test_a_rotated_rds_managed_secret_is_the_change_of_the_instance_that_keeps_it() -> None:
    scenario = load_scenario(SCENARIO).scenario
    with SandboxWorld(scenario) as world:
        ctx = context_for_world(world)
        now = ctx.now()
        changes = ctx.evidence.changes(now - timedelta(hours=1), now)
        rotated = [c for c in changes if c.event_name == "RotateSecret"]
        assert [c.service for c in rotated] == ["vantor"]  # not morrow, not nobody
        result = investigate_incident(ctx, incident_view(scenario.alerts, "a1"))
    top = result.hypotheses[0]
    assert (top.kind, top.service) == ("config_change", "vantor")
    assert any("RotateSecret" in e for e in top.evidence)
    assert not result.actions or result.actions[0].risk == "read"
