"""Security groups on the sandbox's AWS (moto server, real boto3): world-open rules ranked by
port risk (``port_risk.yaml``: SSH, RDP and databases first, web ports last), a single-port
rule fixed by ``ec2.revoke_ingress``; groups no network interface uses are unused, the VPC's
default group and groups an interface carries are not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.posture.network import open_groups, port_risks, unused_groups
from bot.posture.security import SG_TITLE, UNUSED_SG_TITLE, render, security_audit
from integrations.aws.posture_reads import GroupUse, PostureReader
from integrations.aws.session import AwsClients
from sandbox.investigate.context import context_for_world
from sandbox.world import SandboxWorld
from tests.integration.aws.worlds import clients_of, one_instance_world, world_of


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with world_of(one_instance_world("sg-audit"), "sg.yaml") as world:
        yield world


@pytest.fixture(scope="module")
def clients(world: SandboxWorld) -> AwsClients:
    return clients_of(world)


def _group(ec2: Any, vpc: str, name: str, *rules: tuple[str, int, int, str]) -> str:
    gid = str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])
    if rules:
        ec2.authorize_security_group_ingress(
            GroupId=gid,
            IpPermissions=[
                {"IpProtocol": p, "FromPort": lo, "ToPort": hi, "IpRanges": [{"CidrIp": cidr}]}
                for p, lo, hi, cidr in rules
            ],
        )
    return gid


@pytest.fixture(scope="module")
def ids(clients: AwsClients) -> dict[str, str]:
    ec2 = clients.ec2
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    made = {
        "web": _group(ec2, vpc, "t-web", ("tcp", 443, 443, "0.0.0.0/0")),
        "db": _group(ec2, vpc, "t-db", ("tcp", 5432, 5432, "0.0.0.0/0")),
        "ssh": _group(ec2, vpc, "t-ssh", ("tcp", 22, 22, "0.0.0.0/0")),
        "range": _group(ec2, vpc, "t-range", ("tcp", 8000, 9300, "0.0.0.0/0")),
        "inner": _group(ec2, vpc, "t-inner", ("tcp", 22, 22, "10.0.0.0/8")),
        "idle": _group(ec2, vpc, "t-idle"),
    }
    used = [made[k] for k in ("web", "db", "ssh", "range", "inner")]
    ec2.create_network_interface(SubnetId=subnet, Groups=used)
    return made


@pytest.fixture(scope="module")
def groups(clients: AwsClients, ids: dict[str, str]) -> list[GroupUse]:
    return PostureReader(clients.ec2, clients.rds).groups()


def test_world_open_rules_are_ranked_by_port_risk(
    groups: list[GroupUse], ids: dict[str, str]
) -> None:
    mine = [f for f in open_groups(groups) if f.resource.split("/")[-1] in ids.values()]
    order = [f.resource.split("/")[-1] for f in mine]
    assert order == [ids["ssh"], ids["db"], ids["range"], ids["web"]]
    ssh, db, ranged, web = mine
    assert ssh.severity == "high" and "TCP 22 (SSH)" in ssh.summary
    assert ssh.fix_action == "ec2.revoke_ingress"
    assert ssh.fix_params == {"group": ids["ssh"], "port": "22", "cidr": "0.0.0.0/0",
                              "protocol": "tcp"}  # fmt: skip
    assert "includes Elasticsearch 9200" in ranged.summary and ranged.fix_action is None
    assert web.check == "sg_open_web" and db.check == "sg_open"
    assert not any(ids["inner"] in f.resource for f in open_groups(groups))  # 10/8 is not world


def test_unused_groups_leave_out_used_and_default(
    groups: list[GroupUse], ids: dict[str, str]
) -> None:
    unused = {f.resource.split("/")[-1] for f in unused_groups(groups)}
    assert ids["idle"] in unused
    assert not unused & {ids[k] for k in ("web", "db", "ssh", "range", "inner")}
    defaults = {g.id for g in groups if g.default}
    assert defaults and not unused & defaults


def test_port_risk_table_puts_admin_and_databases_first() -> None:
    first = [r.port for r in port_risks().ports[:9]]
    assert first[:2] == [22, 3389]
    assert set(first[2:]) == {3306, 5432, 1433, 1521, 6379, 27017, 9200}


def test_sections_reach_the_security_audit(
    world: SandboxWorld, clients: AwsClients, ids: dict[str, str]
) -> None:
    ctx = context_for_world(world, aws_clients=clients)
    audit = security_audit(ctx, aws=PostureReader(clients.ec2, clients.rds))
    sections = dict(audit.sections)
    assert any(ids["ssh"] in f.source for f in sections[SG_TITLE])
    assert any(ids["idle"] in f.source for f in sections[UNUSED_SG_TITLE])
    text = render(audit)
    assert "security group t-ssh allows 0.0.0.0/0 on TCP 22 (SSH)" in text
    assert f"security group t-idle ({ids['idle']}) is attached to nothing" in text


def test_revoking_the_rule_clears_its_finding(clients: AwsClients, ids: dict[str, str]) -> None:
    reader = PostureReader(clients.ec2, clients.rds)
    [ssh] = [f for f in open_groups(reader.groups()) if f.resource == f"ec2:sg/{ids['ssh']}"]
    p = ssh.fix_params
    clients.ec2.revoke_security_group_ingress(
        GroupId=p["group"], IpProtocol=p["protocol"], FromPort=int(p["port"]),
        ToPort=int(p["port"]), CidrIp=p["cidr"],
    )  # fmt: skip
    assert not [f for f in open_groups(reader.groups()) if f.resource == ssh.resource]
