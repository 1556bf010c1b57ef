"""Reachability over the real describe_* output: a VPC built with boto3 in moto (two subnets,
an explicit route table, a network ACL with an ordered deny, a security group that lets in
another group), read back by ``LiveEvidence.network`` and judged by the pure computation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.investigate.reachability import analyze
from sandbox.investigate.context import context_for_world
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld
from tests.integration.investigate.test_targets_live import HERE

AMI = "ami-12c6146b"


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with SandboxWorld(load_scenario(HERE / "vpc-reachable.yaml").scenario) as running:
        yield running


def _instance(ec2: Any, name: str, subnet: str, group: str) -> str:
    made = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[group],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
    )  # fmt: skip
    return str(made["Instances"][0]["InstanceId"])


@pytest.fixture(scope="module")
def vpc(world: SandboxWorld) -> dict[str, str]:
    assert world.aws is not None  # started by the module's world fixture
    ec2: Any = world.aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    app_net = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24")["Subnet"]["SubnetId"]
    db_net = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.2.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=app_net)
    app_sg = ec2.create_security_group(GroupName="app-sg", Description="app", VpcId=vpc)["GroupId"]
    db_sg = ec2.create_security_group(GroupName="db-sg", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=db_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                        "UserIdGroupPairs": [{"GroupId": app_sg}]}],
    )  # fmt: skip
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for egress in (False, True):
        ec2.create_network_acl_entry(
            NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
            Egress=egress, CidrBlock="0.0.0.0/0",
        )  # fmt: skip
    ec2.create_network_acl_entry(
        NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny", Egress=False,
        CidrBlock="10.50.1.0/24", PortRange={"From": 5432, "To": 5432},
    )  # fmt: skip
    current = ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [db_net]}]
    )["NetworkAcls"][0]
    association = next(
        a["NetworkAclAssociationId"] for a in current["Associations"] if a["SubnetId"] == db_net
    )
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
    return {
        "app": _instance(ec2, "app-x", app_net, app_sg),
        "db": _instance(ec2, "db-x", db_net, db_sg),
        "acl": acl,
        "db_sg": db_sg,
    }


def test_the_ordered_nacl_deny_blocks_and_names_its_rule(
    world: SandboxWorld, vpc: dict[str, str]
) -> None:
    view = context_for_world(world).evidence.network()
    verdict = analyze(view, "app-x", "db-x", 5432)
    assert verdict is not None and not verdict.reachable
    [block] = verdict.blocks
    assert (block.hop, block.where) == ("nacl", vpc["acl"])
    assert "rule 90 denies inbound" in block.detail


def test_the_group_reference_lets_the_app_in_but_not_another_port(
    world: SandboxWorld, vpc: dict[str, str]
) -> None:
    view = context_for_world(world).evidence.network()
    verdict = analyze(view, "app-x", "db-x", 6379)
    assert verdict is not None
    # 6379: the ACL allows it (rule 100), the database's group does not
    assert [(b.hop, b.where) for b in verdict.blocks] == [("security_group", vpc["db_sg"])]


def test_replacing_the_deny_opens_the_path(world: SandboxWorld, vpc: dict[str, str]) -> None:
    assert world.aws is not None  # started by the module's world fixture
    ec2: Any = world.aws.client("ec2")
    ec2.replace_network_acl_entry(
        NetworkAclId=vpc["acl"], RuleNumber=90, Protocol="6", RuleAction="allow", Egress=False,
        CidrBlock="10.50.1.0/24", PortRange={"From": 5432, "To": 5432},
    )  # fmt: skip
    view = context_for_world(world).evidence.network()  # a new investigation reads again
    verdict = analyze(view, "app-x", "db-x", 5432)
    assert verdict is not None
    assert verdict.reachable, verdict.blocks
