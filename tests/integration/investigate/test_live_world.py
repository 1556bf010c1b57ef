"""The investigation over the real clients: boto3 against moto, the official kubernetes client
against the local API server, Loki for file logs; the row is stored in a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.investigate import investigate_incident, investigate_query
from bot.investigate.service import get, save_result
from bot.store.db import Database
from sandbox.investigate.context import context_for_world
from sandbox.investigate.views import incident_view
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld
from tests.conftest import SCENARIOS_DIR


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    paths = sorted(SCENARIOS_DIR.glob("10-*.yaml"))
    if not paths:
        pytest.skip(f"example scenarios absent (looked in {SCENARIOS_DIR})")
    with SandboxWorld(load_scenario(paths[0]).scenario) as running:
        yield running


def test_incident_through_the_real_clients(world: SandboxWorld) -> None:
    scenario = world.scenario
    ctx = context_for_world(world)
    alerts = [a for a in scenario.alerts if a.id.startswith("a")]
    result = investigate_incident(ctx, incident_view(alerts))
    top = result.hypotheses[0]
    assert (top.kind, top.service) == ("instance_stopped", "media-origin")
    first = result.actions[0]
    # the sandbox assigned a real instance id; the action names the scenario's id_ref
    assert (first.action, first.params) == ("ec2.start_instance", {"instance": "media-origin-1"})
    assert all(s.status == "ok" for s in result.steps), [(s.name, s.error) for s in result.steps]
    sources = {f.source for f in result.facts}
    assert "ec2:media-origin-1" in sources and "cloudtrail:StopInstances" in sources


def test_query_json_matches_the_contract(world: SandboxWorld) -> None:
    ctx = context_for_world(world)
    result = investigate_query(ctx, "thumbnail-generator lambda throttling")
    doc = json.loads(json.dumps(world.to_id_refs(result.to_contract_json())))
    assert set(doc) == {"incident_class", "facts", "hypotheses", "actions"}
    assert doc["hypotheses"][0]["kind"] == "lambda_throttling"
    assert doc["actions"][0]["action"] == "lambda.set_reserved_concurrency"
    assert doc["actions"][0]["params"]["name"] == "thumbnail-generator"
    confidences = [h["confidence"] for h in doc["hypotheses"]]
    assert confidences == sorted(confidences, reverse=True)


def test_the_row_keeps_every_step(world: SandboxWorld, sqlite_database: Database) -> None:
    ctx = context_for_world(world)
    result = investigate_query(ctx, "media-origin instance stopped")
    row_id = save_result(sqlite_database, result)
    row = get(db=sqlite_database, investigation_id=row_id)
    assert row is not None and row.status == "done"
    assert row.hypotheses[0]["kind"] == "instance_stopped"
    assert {s["primitive"] for s in row.steps} >= {"resources.ec2", "changes.recent"}
    assert all("duration_ms" in s and "input" in s and "output" in s for s in row.steps)
