"""The inventory against the sandbox's AWS (moto server, real boto3 clients) and its Kubernetes:
each type lists what the world holds, and filters keep only the matching resources."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.errors import UpstreamUnavailable, UserError
from bot.inventory.ask import question_to_query
from bot.inventory.query import parse_query
from bot.inventory.render import render
from bot.inventory.service import InventorySources, run
from integrations.kubernetes import KubernetesApi, client_from_kubeconfig
from sandbox.scenario import parse_scenario_text
from sandbox.world import SandboxWorld
from tests.integration.aws.worlds import clients_of

WORLD = """\
version: 1
name: inventory
now: "2025-06-01T12:00:00Z"
region: eu-west-1
services:
  - {name: web, runs_on: {kind: ec2, name: web-1}}
aws:
  ec2_instances:
    - {id_ref: web-1, instance_type: t3.small, tags: {Name: web-1, Environment: production}}
    - {id_ref: web-2, instance_type: t3.small, tags: {Name: web-2, env: prod}}
    - {id_ref: batch-1, state: stopped, tags: {Name: batch-1, env: staging, team: data}}
  security_groups:
    - {name: bastion, ingress: [{port: 22, cidr: 0.0.0.0/0}]}
    - {name: internal, ingress: [{port: 5432, cidr: 10.0.0.0/8}]}
  s3_buckets:
    - {name: acme-public-assets, public: true}
    - {name: acme-ledger, encrypted: true}
  rds_instances: [{id: orders-db, engine: postgres}]
  lambda_functions: [{name: resize-images, memory: 1024}]
  ecs_services: [{cluster: prod, name: checkout, desired: 3, running: 2}]
  iam_users: [{name: alice, mfa: true}, {name: ci-bot}]
kubernetes:
  deployments:
    - namespace: shop
      name: cart
      replicas: 2
      revisions: [{revision: 1, image: acme/cart:1, at: -1d}]
alerts:
  - {id: a1, at: -1m, format: generic, name: inventory-check, severity: warning}
"""


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with SandboxWorld(parse_scenario_text(WORLD, "inventory.yaml").scenario) as running:
        yield running


@pytest.fixture(scope="module")
def sources(world: SandboxWorld) -> InventorySources:
    ep = world.endpoints
    aws = clients_of(world)
    assert ep.kubeconfig_path is not None
    return InventorySources(aws, KubernetesApi(client_from_kubeconfig(ep.kubeconfig_path)))


def _names(type_name: str, filters: list[str], sources: InventorySources) -> list[str]:
    return [r.name for r in run(parse_query(type_name, filters), sources).resources]


def test_each_type_lists_what_the_world_holds(sources: InventorySources) -> None:
    assert _names("ec2", [], sources) == ["batch-1", "web-1", "web-2"]
    assert _names("rds", [], sources) == ["orders-db"]
    assert _names("buckets", [], sources) == ["acme-ledger", "acme-public-assets"]
    assert _names("lambdas", [], sources) == ["resize-images"]
    assert _names("ecs", [], sources) == ["checkout"]
    assert {"bastion", "internal"} <= set(_names("security_groups", [], sources))
    assert _names("iam_users", [], sources) == ["alice", "ci-bot"]
    assert _names("deployments", [], sources) == ["cart"]


def test_load_balancers_are_read_through_elbv2(sources: InventorySources) -> None:
    aws = sources.aws
    vpc = aws.ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in aws.ec2.describe_subnets()["Subnets"] if s["VpcId"] == vpc]
    aws.elbv2.create_load_balancer(Name="shop-alb", Subnets=subnets[:2], Scheme="internal")
    [lb] = run(parse_query("lb", ["name=shop-alb"]), sources).resources
    assert (lb.kind, lb.attrs["scheme"]) == ("load_balancers", "internal")


def test_filters_on_state_tags_synonyms_and_attributes(sources: InventorySources) -> None:
    # env=prod reads the env or Environment tag, and production is prod
    assert _names("ec2", ["env=prod"], sources) == ["web-1", "web-2"]
    assert _names("ec2", ["state=stopped"], sources) == ["batch-1"]
    assert _names("ec2", ["tag:team=data"], sources) == ["batch-1"]
    assert _names("ec2", ["state!=stopped", "name~2"], sources) == ["web-2"]
    assert _names("buckets", ["public=true"], sources) == ["acme-public-assets"]
    assert _names("buckets", ["encrypted=false"], sources) == ["acme-public-assets"]
    assert _names("iam_users", ["mfa=false"], sources) == ["ci-bot"]
    assert _names("security_groups", ["open_to_world~22"], sources) == ["bastion"]


def test_questions_route_to_the_same_query(sources: InventorySources) -> None:
    q = question_to_query("list EC2 instances in prod")
    assert q is not None and [r.name for r in run(q, sources).resources] == ["web-1", "web-2"]
    q = question_to_query("Which buckets are public?")
    assert q is not None and [r.name for r in run(q, sources).resources] == ["acme-public-assets"]
    q = question_to_query("show IAM users without MFA")
    assert q is not None and [r.name for r in run(q, sources).resources] == ["ci-bot"]


def test_formats_carry_every_row(sources: InventorySources) -> None:
    result = run(parse_query("ec2", []), sources)
    assert render(result, "csv").splitlines()[0] == "id,name,state,type,private_ip,tag:env"
    assert len(render(result, "csv").splitlines()) == 4
    assert '"name": "web-2"' in render(result, "json")
    assert "| batch-1 |" in render(result, "md")


def test_missing_source_is_a_clear_error() -> None:
    with pytest.raises(UpstreamUnavailable, match="Kubernetes is not configured"):
        run(parse_query("deployments", []), InventorySources(aws=None, k8s=None))
    with pytest.raises(UserError, match="unknown resource type 'vpcs'"):
        parse_query("vpcs", [])
    with pytest.raises(UserError, match="is not a filter"):
        parse_query("ec2", ["prod"])
