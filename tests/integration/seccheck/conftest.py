"""The sandbox world (``world.yaml``) of the security audit's further checks, one per module
(a fix applied in one module must not change what another reads; one world runs at a time)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from integrations.aws.session import AwsClients, make_clients
from sandbox.scenario import load_scenario
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
