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


def one_instance_world(name: str) -> str:
    """The smallest world an audit of the account's own resources starts from: one service on
    one EC2 instance (``web-1``) and one alert; each test adds the resources it audits."""
    return f"""\
version: 1
name: {name}
now: "2025-06-01T12:00:00Z"
region: eu-west-1
services: [{{name: web, runs_on: {{kind: ec2, name: web-1}}}}]
aws: {{ec2_instances: [{{id_ref: web-1}}]}}
alerts: [{{id: a1, at: -1m, format: generic, name: {name}-check, severity: warning}}]
"""
