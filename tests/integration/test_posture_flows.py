"""The cost, compliance and drift audit flows (``bot.posture.flows``) that ``aiops audit`` and
``/aiops audit`` both call, driven directly over the security example's sandbox world (moto
read by boto3): what each door receives — the report's rows, the terminal's lines, the chat
message with the top findings, and whether the full report must be attached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.errors import NotFound, UserError
from bot.posture import flows
from bot.store import connect
from bot.store.migrate import upgrade
from integrations.aws.session import AwsClients
from integrations.metrics import CloudWatchMetrics
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld
from tests.conftest import SCENARIOS_DIR
from tests.integration.aws.worlds import clients_of

SCENARIO = SCENARIOS_DIR / "08-security-open-ssh-public-bucket.yaml"
TEMPLATE = """\
Resources:
  EdgeSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: edge
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8}
"""


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    with SandboxWorld(load_scenario(SCENARIO).scenario) as running:
        yield running


@pytest.fixture(scope="module")
def aws(world: SandboxWorld) -> AwsClients:
    return clients_of(world)


def _volumes(aws: AwsClients, world: SandboxWorld, n: int) -> list[str]:
    zone = f"{world.scenario.region}a"
    return [
        aws.ec2.create_volume(Size=8, AvailabilityZone=zone, VolumeType="gp3")["VolumeId"]
        for _ in range(n)
    ]


def test_cost_lists_the_top_and_asks_for_the_rest_to_be_attached(
    world: SandboxWorld, aws: AwsClients
) -> None:
    made = _volumes(aws, world, 4)
    tables = flows.CostTables.load(None, None)
    now = world.clock.now()
    metrics = CloudWatchMetrics(aws.cloudwatch)
    found = flows.cost(aws, None, now, tables, metrics=metrics, listed=2)
    findings = [r for r in found.rows if r.section == "cost"]
    assert {v for v in made if any(v in r.resource for r in findings)} == set(made)
    assert found.message.startswith("*Cost audit*")
    assert found.message.count(":moneybag:") == 2  # the two largest savings
    assert f"The full report ({len(findings)} findings) is in the attached file" in found.message
    assert found.attach is not None and found.attach.startswith(f"cost audit: {len(findings)}")
    assert found.file_name == "cost-audit.csv"
    # the terminal's lines carry no chat markup
    assert found.summary[0].startswith("Cost audit:") and "*" not in "".join(found.summary)
    everything = flows.cost(aws, None, now, tables, listed=len(findings))  # CloudWatch of aws
    assert everything.attach is None and "attached file" not in everything.message


def test_cost_without_aws_is_a_clear_error(world: SandboxWorld) -> None:
    tables = flows.CostTables.load(None, None)
    with pytest.raises(Exception, match="AWS is not configured"):
        flows.cost(None, None, world.clock.now(), tables)


def test_compliance_records_a_run_when_given_the_store(
    world: SandboxWorld, aws: AwsClients, tmp_path: Path
) -> None:
    now = world.clock.now()
    once = flows.compliance(None, aws, None, None, now)
    assert once.message.startswith("*Compliance*: score") and once.summary == [once.message]
    public = [r for r in once.rows if r.check == "s3-no-public-access"]
    assert [r.resource for r in public] and "acme-finance-exports" in public[0].summary
    db = connect(f"sqlite:///{tmp_path / 'runs.db'}")
    upgrade(db.engine)
    try:
        first = flows.compliance(None, aws, None, None, now, db)
        second = flows.compliance(None, aws, None, None, now, db)
    finally:
        db.dispose()
    assert "Since " not in first.message  # nothing stored before it
    assert "Since " in second.message and "+0.0 points" in second.message


def test_drift_of_a_stack_and_of_one_that_does_not_exist(aws: AwsClients) -> None:
    aws.cloudformation.create_stack(StackName="edge", TemplateBody=TEMPLATE)
    calm = flows.drift(aws, None, "edge")
    assert calm.message.startswith("*Drift:* none") and calm.rows == [] and calm.attach is None
    [res] = aws.cloudformation.list_stack_resources(StackName="edge")["StackResourceSummaries"]
    aws.ec2.authorize_security_group_ingress(
        GroupId=res["PhysicalResourceId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                        "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}],
    )  # fmt: skip
    moved = flows.drift(aws, None, "edge", listed=0)
    assert [r.check for r in moved.rows] == ["added"]
    assert moved.summary == ["drift: 1 differences in 1 resources compared"]
    assert moved.attach == moved.summary[0] and moved.file_name == "drift.csv"
    with pytest.raises(NotFound, match="'nowhere' was not found"):
        flows.drift(aws, None, "nowhere")


def test_choosing_an_account_needs_an_accounts_file() -> None:
    assert flows.accounts(None, None) is None and flows.accounts(None, "all") is None
    with pytest.raises(UserError, match="no accounts are configured to choose 'prod'"):
        flows.accounts(None, "prod")
    assert flows.drift_scope(None, None, "prod") == (None, "prod")  # no fleet: a stack
