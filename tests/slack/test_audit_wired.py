"""``/aiops audit security|cost`` through the real wiring of ``aiops run``: the security example
world (moto EC2 / S3 / IAM read by boto3), the local Slack server (real Bolt over socket mode).
The security audit names the world-open SSH group and the public bucket; the cost audit finds
waste the test creates with boto3 (a stopped instance keeping its volume, an unattached volume,
an unassociated Elastic IP, an idle instance). Without an SLO file, ``/aiops slo`` says which
setting to set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_settings
from bot.store import connect as connect_db
from bot.store.migrate import upgrade
from handlers.blocks.ids import ActionId
from handlers.slack.wiring import Runtime
from integrations.aws.session import make_clients
from sandbox.investigate.context import context_for_world
from sandbox.scenario import load_scenario
from sandbox.slack import LocalSlack, Message
from sandbox.world import SandboxWorld
from tests.conftest import SCENARIOS_DIR
from tests.slack.helpers import command, ephemeral

pytestmark = pytest.mark.timeout(120)
SCENARIO = SCENARIOS_DIR / "08-security-open-ssh-public-bucket.yaml"
USER = "UAUDIT001"


@dataclass
class Env:
    slack: LocalSlack
    world: Any
    clients: Any


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('audit')) / 'aiops.db'}"
    db = connect_db(url)
    upgrade(db.engine)
    db.dispose()
    with SandboxWorld(load_scenario(SCENARIO).scenario) as world, LocalSlack() as slack:
        for channel in ("incidents", "sec"):
            slack.add_channel(channel)
        slack.add_user(USER, "auditor")
        settings = load_settings(
            database_url=url, slack_bot_token="xoxb-aud", slack_app_token="xapp-aud",
            slack_api_url=slack.api_url, aiops_http_port=0, aiops_slack_channel="#incidents",
            aiops_digest_channel="#incidents", aiops_escalation_tick_s=3600,
        )  # fmt: skip
        e = world.endpoints
        assert world.aws is not None  # the world is running
        clients = make_clients(
            e.region, e.aws_endpoint_url, gaps_url=e.gaps_endpoint_url, session=world.aws.session()
        )
        context = context_for_world(world, aws_clients=clients)
        runtime = Runtime(settings, clock=world.clock, aws_clients=lambda: clients,
                          investigation_context=lambda: context).start()  # fmt: skip
        try:
            slack.wait_connected()
            yield Env(slack, world, clients)
        finally:
            runtime.stop()


def _ask(env: Env, text: str, contains: str) -> Message:
    """Send ``/aiops <text>`` in #sec and wait for a NEW message containing ``contains`` (an
    earlier answer to the same command does not count)."""
    before = len(env.slack.messages("sec"))
    command(env.slack, USER, text, channel="sec")

    def found() -> Message | None:
        hits = [m for m in env.slack.messages("sec")[before:] if contains in m.text]
        return hits[-1] if hits else None

    return env.slack.wait_for(found, 30)


def test_security_audit_lists_the_open_ssh_group_and_the_public_bucket(env: Env) -> None:
    text = _ask(env, "audit security", "Security audit").text
    assert "security group bastion-sg allows 0.0.0.0/0 on TCP 22" in text
    assert "bucket acme-finance-exports is publicly readable and not encrypted" in text
    # IAM is read with its policy documents: PowerUserAccess is broad, but not IAM admin
    assert "[medium] IAM user data-eng-ci has no MFA device" in text
    assert "[high] IAM user contractor-alex has broad rights" in text
    assert "(granted by PowerUserAccess)" in text and "admin rights" not in text
    for private in ("acme-app-logs", "acme-static-assets"):
        assert private not in text  # private, encrypted buckets are not findings
    assert "10.20.0.0/16" not in text  # the internal rule is not a finding
    # the further sections run through this door too; the world enables no GuardDuty/Inspector
    assert "*Root account use (CloudTrail)*: nothing found" in text
    assert ":information_source: GuardDuty findings: GuardDuty is not enabled here" in text
    assert ":information_source: Inspector findings: Inspector is not enabled" in text
    assert ":x:" not in text
    assert f"<@{USER}>" in text


def test_cost_audit_finds_the_waste_it_can_read(env: Env) -> None:
    ec2, refs = env.clients.ec2, env.world.id_refs
    ec2.stop_instances(InstanceIds=[refs["web-1"]])
    ec2.allocate_address(Domain="vpc")
    volume = ec2.create_volume(Size=50, AvailabilityZone=f"{env.world.scenario.region}a",
                               VolumeType="gp3")["VolumeId"]  # fmt: skip
    now = env.world.clock.now()
    env.clients.cloudwatch.put_metric_data(
        Namespace="AWS/EC2",
        MetricData=[
            {"MetricName": "CPUUtilization", "Dimensions": [
                {"Name": "InstanceId", "Value": refs["bastion-1"]}],
             "Timestamp": now - timedelta(hours=h), "Value": 2.0 + (h % 3), "Unit": "Percent"}
            for h in range(1, 24 * 15)
        ],
    )  # fmt: skip
    message = _ask(env, "audit cost", "*Cost audit*")
    text = message.text
    # the idle instance names its fix: a "Propose fix" button carries it
    fixes = [json.loads(b["accessory"]["value"]) for b in message.blocks
             if (b.get("accessory") or {}).get("action_id") == ActionId.PROPOSE_FIX]  # fmt: skip
    assert {"action": "ec2.stop_instance", "params": {"instance": refs["bastion-1"]}} in fixes
    assert "4 findings over 2 EC2 instances" in text and "/month to save (prices as of" in text
    assert f"web-1 ({refs['web-1']}) (t3.large) is stopped but keeps 1 EBS volume" in text
    assert f"EBS volume {volume} (50 GB gp3) is attached to nothing: $4.00/month" in text
    assert "is associated with nothing: $3.65/month" in text
    assert (f"bastion-1 ({refs['bastion-1']}) (t3.micro) averaged under 5% CPU on each of "
            "the last 14 days") in text  # fmt: skip
    assert "Cost Explorer: no spend recorded" in text
    assert not [f for f in env.slack.files() if f.title and "Cost audit" in f.title]  # all shown


def test_slo_without_a_file_names_the_setting(env: Env) -> None:
    command(env.slack, USER, "slo", channel="sec")
    ephemeral(env.slack, USER, "AIOPS_SLO_FILE", timeout=15)


def test_inventory_answers_a_question_in_the_channel(env: Env) -> None:
    text = _ask(env, "inventory which buckets are public", "Inventory:").text
    assert "1 buckets matching public=true (of 3)" in text
    assert "acme-finance-exports" in text
    assert "acme-app-logs" not in text and "acme-static-assets" not in text


def test_a_long_inventory_is_attached_as_a_file(env: Env) -> None:
    ec2 = env.clients.ec2
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    made = [
        ec2.create_security_group(GroupName=f"bulk-{i:02d}", Description="bulk", VpcId=vpc)
        for i in range(30)
    ]
    message = _ask(env, "inventory sg name~bulk-", "30 security_groups matching name~bulk-")
    assert "5 more in the attached file" in message.text
    csv_file = env.slack.wait_for(
        lambda: next((f for f in env.slack.files() if f.title and "name~bulk-" in f.title), None),
        30,
    )
    rows = csv_file.data.decode().splitlines()
    assert rows[0] == "id,name,vpc,open_to_world"
    assert sorted(r.split(",")[0] for r in rows[1:]) == sorted(g["GroupId"] for g in made)


def test_inventory_with_no_type_shows_the_usage(env: Env) -> None:
    command(env.slack, USER, "inventory what is broken", channel="sec")
    ephemeral(env.slack, USER, "no resource type in 'what is broken'", timeout=15)


def test_compliance_audit_scores_and_shows_the_trend(env: Env) -> None:
    first = _ask(env, "audit compliance", "*Compliance*: score").text
    assert "S3 buckets are not public (CIS 2.1.4): 1 of 3 fail: acme-finance-exports" in first
    assert "Since " not in first  # the first run has nothing to compare with
    assert "AWS Config: no Config rules here (AWS Config is not enabled" in first
    env.clients.s3.put_public_access_block(
        Bucket="acme-finance-exports",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )  # fmt: skip
    second = _ask(env, "audit compliance", "fixed: s3-no-public-access: acme-finance-exports").text
    assert "S3 buckets are not public (CIS 2.1.4) (3 checked)" in second


DRIFT_TEMPLATE = """\
Resources:
  AppSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: app
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 8080, ToPort: 8080, CidrIp: 10.1.0.0/16}
"""


def test_drift_audit_names_a_rule_added_behind_the_stack(env: Env) -> None:
    cf = env.clients.cloudformation
    cf.create_stack(StackName="drift-app", TemplateBody=DRIFT_TEMPLATE)
    assert "resources match their IaC" in _ask(env, "audit drift", "*Drift:* none").text

    [res] = cf.list_stack_resources(StackName="drift-app")["StackResourceSummaries"]
    env.clients.ec2.authorize_security_group_ingress(
        GroupId=res["PhysicalResourceId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 9090, "ToPort": 9090,
                        "IpRanges": [{"CidrIp": "10.2.0.0/16"}]}],
    )  # fmt: skip
    text = _ask(env, "audit drift", "*Drift:* 1 differences").text
    line = DRIFT_TEMPLATE.splitlines().index("      SecurityGroupIngress:") + 1
    assert "AppSg ingress: added live, not declared: tcp 9090-9090 from 10.2.0.0/16" in text
    assert f"(template line {line})" in text and f"<@{USER}>" in text


def test_drift_of_one_stack_and_of_a_stack_that_does_not_exist(env: Env) -> None:
    assert (
        "AppSg ingress: added live"
        in _ask(env, "audit drift drift-app", "*Drift:* 1 differences").text
    )
    command(env.slack, USER, "audit drift no-such-stack", channel="sec")
    ephemeral(env.slack, USER, "stack 'no-such-stack' was not found", timeout=15)


def test_a_long_security_audit_shows_the_top_and_attaches_the_full_report(env: Env) -> None:
    ec2 = env.clients.ec2
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    opened = []
    for i in range(14):  # more world-open groups than the summary shows per section
        group = ec2.create_security_group(GroupName=f"wide-{i:02d}", Description="w", VpcId=vpc)
        ec2.authorize_security_group_ingress(
            GroupId=group["GroupId"],
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )  # fmt: skip
        opened.append(f"wide-{i:02d}")
    message = _ask(env, "audit security", "is in the attached file")
    shown = [name for name in opened if f"security group {name} " in message.text]
    assert 0 < len(shown) < len(opened)  # the top of the section, not all of it
    report = env.slack.wait_for(
        lambda: next(
            (f for f in env.slack.files() if f.title and f.title.startswith("security audit")),
            None,
        ),
        30,
    )
    rows = report.data.decode().splitlines()
    assert rows[0].endswith("section,severity,check,resource,summary,fix_action,fix_params")
    # every finding is in the file, the ones left out of the message too
    for name in opened:
        assert any(f"security group {name} " in row for row in rows[1:]), name
    assert any("acme-finance-exports" in row for row in rows[1:])


def test_a_long_cost_audit_attaches_the_full_report(env: Env) -> None:
    ec2, zone = env.clients.ec2, f"{env.world.scenario.region}a"
    made = [
        ec2.create_volume(Size=8, AvailabilityZone=zone, VolumeType="gp3")["VolumeId"]
        for _ in range(27)
    ]
    command(env.slack, USER, "audit cost", channel="sec")
    message = env.slack.wait_for(
        lambda: next((m for m in env.slack.messages("sec") if "*Cost audit*" in m.text
                      and "is in the attached file" in m.text), None),
        30,
    )  # fmt: skip
    assert "/month to save" in message.text
    assert sum(v in message.text for v in made) < len(made)
    report = env.slack.wait_for(
        lambda: next(
            (f for f in env.slack.files() if f.title and f.title.startswith("cost audit")), None
        ),
        30,
    )
    text = report.data.decode()
    assert all(v in text for v in made)
    assert text.splitlines()[0].endswith("fix_action,fix_params,monthly_usd")  # each with its price
