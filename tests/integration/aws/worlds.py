"""The sandbox world of a small inline scenario and real boto3 clients on it: what each
posture-audit test module here starts once (module-scoped fixtures call these)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from integrations.aws.session import AwsClients, make_clients
from sandbox.scenario import parse_scenario_text
from sandbox.world import SandboxWorld


@contextmanager
def world_of(text: str, filename: str) -> Iterator[SandboxWorld]:
    """Start the world of scenario ``text`` (``filename`` names it in errors)."""
    with SandboxWorld(parse_scenario_text(text, filename).scenario) as world:
        yield world


def clients_of(world: SandboxWorld) -> AwsClients:
    """Every AWS client, pointed at the world's moto server with its credentials."""
    ep = world.endpoints
    assert world.aws is not None
    return make_clients(ep.region, ep.aws_endpoint_url, session=world.aws.session())
