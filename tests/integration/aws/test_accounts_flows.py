"""The cost and drift audit flows across several accounts (``bot.posture.flows`` with a
``Fleet``), on the sandbox's moto with real STS (``tests/accounts_world.py``: prod and staging
in two regions, and an account whose role STS refuses): rows and findings name their account
and region, the refused account is an error line, a named stack is looked for everywhere, and a
Terraform file is compared with the one account it is asked for."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from bot.accounts.service import Fleet, build_fleet, parse_accounts
from bot.errors import NotFound, UserError
from bot.posture import flows
from integrations.aws.accounts import AccountSessions
from tests.accounts_world import ACCOUNTS, PROD, STAGING, assumed, quiet_gaps
from tests.cli import run_aiops

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
TEMPLATE = """\
Resources:
  EdgeSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: edge
"""


@pytest.fixture(scope="module")
def fleet(base: boto3.Session, url: str) -> Iterator[Fleet]:
    with quiet_gaps() as gaps:
        sessions = AccountSessions(base, endpoint_url=url, gaps_url=gaps)
        yield build_fleet(parse_accounts(ACCOUNTS), sessions)


def test_cost_across_accounts_names_where_each_finding_is(
    base: boto3.Session, url: str, fleet: Fleet
) -> None:
    ec2 = assumed(base, url, STAGING, "ec2", "us-east-1")
    volume = ec2.create_volume(Size=20, AvailabilityZone="us-east-1a")["VolumeId"]
    found = flows.cost(None, fleet, NOW, flows.CostTables.load(None, None))
    assert [(r.account, r.region) for r in found.rows if volume in r.resource] == [
        ("staging", "us-east-1")
    ]
    assert f"`staging us-east-1` EBS volume {volume}" in found.message
    assert found.message.startswith("*Cost audit* of 3 accounts (4 account-regions): ")
    assert ":x: broken: cannot assume" in found.message
    assert ("broken", "*") in {(r.account, r.region) for r in found.rows if r.section == "errors"}
    only = flows.cost(None, fleet.only("prod"), NOW, flows.CostTables.load(None, None))
    assert volume not in only.message and "broken" not in only.message


def test_drift_looks_for_a_named_stack_in_every_account_and_region(
    base: boto3.Session, url: str, fleet: Fleet
) -> None:
    cf = assumed(base, url, PROD, "cloudformation", "us-east-1")
    cf.create_stack(StackName="edge", TemplateBody=TEMPLATE)
    found = flows.drift(None, fleet.only("prod"), "edge")
    assert found.message.startswith("*Drift:* none — 1 resources match")
    with pytest.raises(NotFound, match="'elsewhere' was not found in any account or region"):
        flows.drift(None, fleet.only("prod"), "elsewhere")
    everywhere = flows.drift(None, fleet, None)  # every stack: the refused account is an error
    assert [(r.account, r.region) for r in everywhere.rows] == [("broken", "*")]
    assert "error: broken: cannot assume" in everywhere.message


def _tfstate(tmp_path: Path, group_id: str) -> Path:
    rule = {"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": ["0.0.0.0/0"]}
    resource = {
        "mode": "managed",
        "type": "aws_security_group",
        "name": "db",
        "instances": [{"attributes": {"id": group_id, "ingress": [rule]}}],
    }
    path = tmp_path / "db.tfstate"
    path.write_text(json.dumps({"version": 4, "resources": [resource]}))
    return path


def test_a_terraform_file_is_compared_with_the_account_named(
    base: boto3.Session, url: str, fleet: Fleet, tmp_path: Path
) -> None:
    ec2 = assumed(base, url, STAGING, "ec2", "eu-west-1")
    [group] = ec2.describe_security_groups(GroupNames=["staging-db"])["SecurityGroups"]
    state = _tfstate(tmp_path, group["GroupId"])
    with pytest.raises(UserError, match="--tfstate compares one account's resources"):
        flows.drift(None, fleet, None, state)
    staging = flows.drift(None, fleet.only("staging"), None, state)
    assert staging.rows == [] and staging.summary[0].startswith("drift: 0 differences in 1")
    prod = flows.drift(None, fleet.only("prod"), None, state)
    assert [(r.check, r.resource) for r in prod.rows] == [
        ("removed", f"aws_security_group {group['GroupId']}")
    ]
    with pytest.raises(Exception, match="cannot assume"):
        flows.drift(None, fleet.only("broken"), None, state)


def test_the_terminal_compares_a_terraform_file_with_the_account_option(
    base: boto3.Session, url: str, fleet: Fleet, tmp_path: Path
) -> None:
    ec2 = assumed(base, url, STAGING, "ec2", "eu-west-1")
    [group] = ec2.describe_security_groups(GroupNames=["staging-db"])["SecurityGroups"]
    state = _tfstate(tmp_path, group["GroupId"])
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(ACCOUNTS)
    env = {
        "AIOPS_ACCOUNTS_FILE": str(accounts), "AIOPS_CONFIG": str(tmp_path / "none.toml"),
        "AWS_ENDPOINT_URL": url, "AWS_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    }  # fmt: skip

    def drift(*args: str) -> list[dict[str, str]]:
        done = run_aiops("audit", "drift", "--tfstate", str(state), "--format", "csv", *args,
                         env=env)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return list(csv.DictReader(io.StringIO(done.stdout)))

    assert drift("--account", "staging") == []
    assert [r["check"] for r in drift("--account", PROD)] == ["removed"]
    several = run_aiops("audit", "drift", "--tfstate", str(state), env=env)
    assert several.returncode != 0
    assert "--tfstate compares one account's resources" in several.stdout + several.stderr


def test_drift_scope_tells_an_account_from_a_stack(fleet: Fleet) -> None:
    by_name, stack = flows.drift_scope(fleet, None, "staging")
    assert by_name is not None and [t.name for t in by_name.targets] == ["staging"]
    assert stack is None
    by_id, _ = flows.drift_scope(fleet, None, PROD)
    assert by_id is not None and [t.name for t in by_id.targets] == ["prod"]
    every, stack = flows.drift_scope(fleet, None, "edge")
    assert every is fleet and stack == "edge"
    both, stack = flows.drift_scope(fleet, "prod", "staging")  # two words: stack, then account
    assert both is not None and [t.name for t in both.targets] == ["prod"] and stack == "staging"
    with pytest.raises(UserError, match="no account 'nope'"):
        flows.drift_scope(fleet, "nope", None)
