"""Encryption at rest on the sandbox's AWS (moto server, real boto3): unencrypted EBS volumes
and snapshots, RDS instances and snapshots are findings with a severity and evidence; their
encrypted twins are not. No registry action encrypts in place, so none is offered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.posture.encryption import encryption_audit
from bot.posture.finding import PostureFinding
from bot.posture.security import ENCRYPTION_TITLE, render, security_audit
from integrations.aws.posture_reads import PostureReader
from integrations.aws.session import AwsClients
from sandbox.investigate.context import context_for_world
from sandbox.world import SandboxWorld
from tests.integration.aws.worlds import clients_of, one_instance_world, world_of


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with world_of(one_instance_world("encryption-audit"), "enc.yaml") as world:
        yield world


@pytest.fixture(scope="module")
def clients(world: SandboxWorld) -> AwsClients:
    return clients_of(world)


def _db(rds: Any, name: str, encrypted: bool) -> None:
    rds.create_db_instance(
        DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="admin", MasterUserPassword="password123", AllocatedStorage=20,
        StorageEncrypted=encrypted,
    )  # fmt: skip
    rds.create_db_snapshot(DBInstanceIdentifier=name, DBSnapshotIdentifier=f"{name}-snap")


@pytest.fixture(scope="module")
def volumes(clients: AwsClients) -> tuple[str, str]:
    """(unencrypted, encrypted) volume ids, each with a snapshot; and two databases alike."""
    zone = f"{clients.region}a"
    plain = clients.ec2.create_volume(AvailabilityZone=zone, Size=8, Encrypted=False)
    sealed = clients.ec2.create_volume(AvailabilityZone=zone, Size=8, Encrypted=True)
    clients.ec2.create_snapshot(VolumeId=plain["VolumeId"])
    clients.ec2.create_snapshot(VolumeId=sealed["VolumeId"])
    _db(clients.rds, "plain-db", False)
    _db(clients.rds, "sealed-db", True)
    return plain["VolumeId"], sealed["VolumeId"]


@pytest.fixture(scope="module")
def findings(clients: AwsClients, volumes: tuple[str, str]) -> dict[str, PostureFinding]:
    return {f.resource: f for f in encryption_audit(PostureReader(clients.ec2, clients.rds))}


def test_unencrypted_rds_instance_and_snapshot(findings: dict[str, PostureFinding]) -> None:
    db = findings["rds:plain-db"]
    assert db.severity == "high" and db.evidence == "StorageEncrypted=false"
    assert db.fix_action is None and "postgres" in db.summary
    assert findings["rds:snapshot:plain-db-snap"].check == "unencrypted_db_snapshot"
    assert "rds:sealed-db" not in findings and "rds:snapshot:sealed-db-snap" not in findings


def test_unencrypted_volume_and_snapshot(
    findings: dict[str, PostureFinding], volumes: tuple[str, str]
) -> None:
    plain, sealed = volumes
    assert findings[f"ec2:{plain}"].severity == "medium"
    assert f"ec2:{sealed}" not in findings
    snaps = [f for k, f in findings.items() if k.startswith("ec2:snapshot:")]
    assert any(f"of {plain}" in f.summary for f in snaps)
    assert not any(f"of {sealed}" in f.summary for f in snaps)


def test_findings_reach_the_security_audit(
    world: SandboxWorld, clients: AwsClients, volumes: tuple[str, str]
) -> None:
    ctx = context_for_world(world, aws_clients=clients)
    audit = security_audit(ctx, aws=PostureReader(clients.ec2, clients.rds))
    assert ENCRYPTION_TITLE in dict(audit.sections)
    text = render(audit)
    assert "[high] RDS instance plain-db is not encrypted" in text
    assert f"EBS volume {volumes[0]} is not encrypted" in text
    assert "sealed-db is not" not in text
