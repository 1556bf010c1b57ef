"""The sandbox world (``world.yaml``) of the security audit's further checks, one per module
(a fix applied in one module must not change what another reads; one world runs at a time)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from integrations.aws.session import AwsClients, make_clients
from sandbox.aws.gaps import GapServer
from sandbox.aws.gaps_security import SecurityServices
from sandbox.scenario import load_scenario, parse_scenario_text
from sandbox.world import SandboxWorld

WORLD_FILE = Path(__file__).with_name("world.yaml")


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with SandboxWorld(load_scenario(WORLD_FILE).scenario) as running:
        yield running


@pytest.fixture(scope="module")
def clients(world: SandboxWorld) -> AwsClients:
    ep = world.endpoints
    assert world.aws is not None
    return make_clients(
        ep.region, ep.aws_endpoint_url, gaps_url=ep.gaps_endpoint_url, session=world.aws.session()
    )


BARE = """\
version: 1
name: nothing-enabled
now: "2025-06-01T12:00:00Z"
services: [{name: web, runs_on: {kind: ec2, name: web-1}}]
alerts: [{id: a1, at: -1m, format: generic, name: x, severity: warning}]
"""


@pytest.fixture(scope="module")
def nothing_enabled() -> Iterator[AwsClients]:
    """Clients on a gap endpoint whose world enables no security service (GuardDuty,
    Inspector, AWS Config): what an account that never switched them on answers."""
    scenario = parse_scenario_text(BARE, "bare.yaml").scenario
    server = GapServer([], [], SecurityServices(scenario, {})).start()
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    try:
        yield make_clients("us-east-1", server.url, session=session)
    finally:
        server.stop()
