"""Cost Explorer through the sandbox on a quiet account: spend by service is reported and no
service is called an anomaly; a Cost Explorer that does not serve the call is a line in the
report, never an error."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from bot.posture.cost import CostSources, cost_audit
from bot.posture.cost_render import render
from bot.posture.pricing import load_prices, load_rules
from integrations.aws.session import make_clients
from sandbox.world import SandboxWorld
from tests.integration.aws.worlds import world_of

pytestmark = pytest.mark.timeout(120)

QUIET = """\
version: 1
name: cost-quiet
now: "2025-03-10T08:00:00Z"
services: [{name: web, runs_on: {kind: external, name: web}}]
aws:
  spend:
    - {service: Amazon Elastic Compute Cloud - Compute, baseline: 120, noise: 4, seed: 5}
    - {service: Amazon Relational Database Service, baseline: 60, noise: 2, trend: 0.1, seed: 6}
    - {service: Amazon Simple Storage Service, baseline: 20, noise: 1, seed: 7,
       events: [{at: -1d, shape: drop, to: 5}]}
alerts: [{id: a1, at: -1m, format: generic, name: cost-check, severity: warning}]
"""


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with world_of(QUIET, "quiet.yaml") as world:
        yield world


def test_a_quiet_account_has_spend_and_no_anomaly(world: SandboxWorld) -> None:
    ep = world.endpoints
    assert world.aws is not None
    clients = make_clients(ep.region, ep.aws_endpoint_url, session=world.aws.session())
    found = cost_audit(
        CostSources(ec2=clients.ec2, ce=clients.ce), world.clock.now(), load_prices(),
        load_rules(),
    )  # fmt: skip
    spend = found.spend
    assert spend is not None and spend.available and spend.anomalies == []
    assert list(spend.by_service) == [
        "Amazon Elastic Compute Cloud - Compute",
        "Amazon Relational Database Service",
        "Amazon Simple Storage Service",
    ]
    assert str(spend.last_day) == "2025-03-09"  # the last complete day
    text = render(found)
    assert "No cost anomaly on 2025-03-09." in text and "cost anomaly:" not in text


def test_a_cost_explorer_that_does_not_answer_is_a_line(world: SandboxWorld) -> None:
    assert world.aws is not None
    ec2 = make_clients(world.endpoints.region, world.endpoints.aws_endpoint_url,
                       session=world.aws.session()).ec2  # fmt: skip
    # the sandbox's gap endpoint speaks AWS JSON but does not serve Cost Explorer
    ce = world.aws.session().client("ce", region_name="us-east-1", endpoint_url=world.aws.gaps_url)
    found = cost_audit(CostSources(ec2=ec2, ce=ce), world.clock.now(), load_prices(),
                       load_rules())  # fmt: skip
    assert "Cost Explorer: not available (UnknownOperationException" in render(found)
    # and one that cannot be reached at all
    closed = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x").client(
        "ce", region_name="us-east-1", endpoint_url="http://127.0.0.1:9"
    )
    found = cost_audit(CostSources(ec2=ec2, ce=closed), world.clock.now(), load_prices(),
                       load_rules())  # fmt: skip
    assert "Cost Explorer: not available (unreachable:" in render(found)
