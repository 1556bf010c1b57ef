"""Any RDS engine seeds: aurora-* (moto answers 500 outside a cluster) and engines moto does not
know are served, and boto3 reads back the scenario's engine, class and status (issue 15 pt 9)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.aws import rds
from integrations.aws.session import AwsClients, make_clients
from sandbox.scenario import parse_scenario_text
from sandbox.world import SandboxWorld

ENGINES = {
    "ledger-db": ("aurora-postgresql", "available"),
    "orders-db": ("aurora-mysql", "available"),
    "legacy-db": ("aurora", "available"),
    "catalog-db": ("mariadb", "available"),
    "docs-db": ("docdb", "available"),
    "billing-db": ("postgres", "available"),
    "reports-db": ("aurora-postgresql", "storage-full"),
    "archive-db": ("aurora-mysql", "stopped"),
    "warehouse-db": ("docdb", "stopped"),
}


def _world_text() -> str:
    rows = "\n".join(
        f"    - {{id: {name}, engine: {engine}, instance_class: db.r6g.large, status: {status},"
        " max_connections: 200}"
        for name, (engine, status) in ENGINES.items()
    )
    return (
        "version: 1\nname: rds-engines\nnow: '2025-06-01T12:00:00Z'\n"
        "services:\n  - {name: ledger, runs_on: {kind: rds, name: ledger-db}}\n"
        f"aws:\n  rds_instances:\n{rows}\n"
        "alerts:\n  - {id: a1, at: -1m, format: generic, name: DbDown, severity: critical,"
        " service: ledger}\n"
    )


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with SandboxWorld(parse_scenario_text(_world_text(), "rds.yaml").scenario) as running:
        yield running


@pytest.fixture(scope="module")
def clients(world: SandboxWorld) -> AwsClients:
    ep = world.endpoints
    session = world._aws().session()
    return make_clients(
        ep.region, ep.aws_endpoint_url, gaps_url=ep.gaps_endpoint_url, session=session
    )


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_every_engine_is_served_as_the_scenario_says(clients: AwsClients, name: str) -> None:
    engine, status = ENGINES[name]
    db = rds.describe(clients.rds, name)
    assert (db.engine, db.instance_class, db.status) == (engine, "db.r6g.large", status)
    assert db.parameter_groups == [f"{name}-params"]
    assert rds.parameter(clients.rds, f"{name}-params", "max_connections") == "200"


def test_an_aurora_instance_sits_in_a_cluster(clients: AwsClients) -> None:
    cluster = clients.rds.describe_db_clusters(DBClusterIdentifier="ledger-db-cluster")
    members = cluster["DBClusters"][0]["DBClusterMembers"]
    assert [m["DBInstanceIdentifier"] for m in members] == ["ledger-db"]
