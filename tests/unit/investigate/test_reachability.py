"""VPC reachability computed from describe_* output: routes, network ACLs, security groups."""

from __future__ import annotations

from dataclasses import replace

from bot.investigate.reachability import (
    Endpoint,
    NaclEntry,
    NetworkAcl,
    NetworkView,
    PortRange,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    analyze,
)

ALL = PortRange()
OPEN_ACL = (
    NaclEntry(100, False, "-1", True, "0.0.0.0/0"),
    NaclEntry(100, True, "-1", True, "0.0.0.0/0"),
)


def world(**changes: object) -> NetworkView:
    """web (10.0.1.10, subnet a) calls db (10.0.2.20, subnet b) on 5432; everything allows it."""
    view = NetworkView(
        endpoints=(
            Endpoint("i-web", "web", "10.0.1.10", "subnet-a", ("sg-web",)),
            Endpoint("i-db", "db", "10.0.2.20", "subnet-b", ("sg-db",)),
        ),
        subnets=(
            Subnet("subnet-a", "vpc-1", "10.0.1.0/24"),
            Subnet("subnet-b", "vpc-1", "10.0.2.0/24"),
        ),
        route_tables=(
            RouteTable("rtb-main", "vpc-1", (Route("10.0.0.0/16", "local"),), main=True),
        ),
        acls=(NetworkAcl("acl-default", (), OPEN_ACL, default=True, vpc="vpc-1"),),
        groups=(
            SecurityGroup("sg-web", "web-sg", egress=(SgRule("-1", ALL, cidr="0.0.0.0/0"),)),
            SecurityGroup(
                "sg-db", "db-sg", ingress=(SgRule("tcp", PortRange(5432, 5432), group="sg-web"),)
            ),
        ),
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def test_reachable_when_every_hop_allows() -> None:
    verdict = analyze(world(), "web", "db", 5432)
    assert verdict is not None and verdict.reachable, verdict
    assert verdict.blocks == ()


def test_by_address_and_id_too() -> None:
    verdict = analyze(world(), "10.0.1.10", "i-db", 5432)
    assert verdict is not None and verdict.reachable


def test_unknown_endpoint_is_none() -> None:
    assert analyze(world(), "web", "cache", 6379) is None


def test_ingress_names_the_destination_group() -> None:
    verdict = analyze(world(), "web", "db", 3306)
    assert verdict is not None and not verdict.reachable
    [block] = verdict.blocks
    assert block.hop == "security_group" and block.where == "sg-db"
    assert "ingress" in block.detail and "db-sg" in block.detail and "3306" in block.detail


def test_ingress_from_another_group_does_not_count() -> None:
    view = world(
        endpoints=(
            Endpoint("i-web", "web", "10.0.1.10", "subnet-a", ("sg-other",)),
            Endpoint("i-db", "db", "10.0.2.20", "subnet-b", ("sg-db",)),
        ),
        groups=world().groups
        + (SecurityGroup("sg-other", "other", egress=(SgRule("-1", ALL, cidr="0.0.0.0/0"),)),),
    )
    verdict = analyze(view, "web", "db", 5432)
    assert verdict is not None and [b.where for b in verdict.blocks] == ["sg-db"]


def test_egress_on_the_source() -> None:
    groups = (
        SecurityGroup(
            "sg-web", "web-sg", egress=(SgRule("tcp", PortRange(443, 443), cidr="0.0.0.0/0"),)
        ),
        world().groups[1],
    )
    verdict = analyze(world(groups=groups), "web", "db", 5432)
    assert verdict is not None and not verdict.reachable
    assert [(b.hop, b.where) for b in verdict.blocks] == [("security_group", "sg-web")]
    assert "egress" in verdict.blocks[0].detail


def test_nacl_rules_apply_in_number_order() -> None:
    # a deny numbered before the allow wins; the same deny numbered after it does not
    deny_first = NetworkAcl(
        "acl-b",
        ("subnet-b",),
        (
            NaclEntry(90, False, "tcp", False, "10.0.1.0/24", PortRange(5432, 5432)),
            *OPEN_ACL,
        ),
    )
    view = world(acls=world().acls + (deny_first,))
    verdict = analyze(view, "web", "db", 5432)
    assert verdict is not None and not verdict.reachable
    [block] = verdict.blocks
    assert block.hop == "nacl" and block.where == "acl-b" and "rule 90 denies" in block.detail

    allow_first = replace(
        deny_first,
        entries=(
            *OPEN_ACL,
            NaclEntry(200, False, "tcp", False, "10.0.1.0/24", PortRange(5432, 5432)),
        ),
    )
    verdict = analyze(world(acls=world().acls + (allow_first,)), "web", "db", 5432)
    assert verdict is not None and verdict.reachable


def test_nacl_without_a_reply_rule_blocks() -> None:
    # inbound 5432 allowed, but nothing lets the reply out on ephemeral ports: the final * deny
    inbound_only = NetworkAcl(
        "acl-b",
        ("subnet-b",),
        (NaclEntry(100, False, "tcp", True, "10.0.0.0/16", PortRange(5432, 5432)),),
    )
    verdict = analyze(world(acls=world().acls + (inbound_only,)), "web", "db", 5432)
    assert verdict is not None and not verdict.reachable
    assert [b.where for b in verdict.blocks] == ["acl-b"]
    assert (
        "reply outbound" in verdict.blocks[0].detail and "final * deny" in verdict.blocks[0].detail
    )


def test_same_subnet_crosses_no_acl() -> None:
    deny_all = NetworkAcl("acl-a", ("subnet-a",), ())
    endpoints = (
        Endpoint("i-web", "web", "10.0.1.10", "subnet-a", ("sg-web",)),
        Endpoint("i-db", "db", "10.0.1.20", "subnet-a", ("sg-db",)),
    )
    verdict = analyze(world(acls=(deny_all,), endpoints=endpoints), "web", "db", 5432)
    assert verdict is not None and verdict.reachable


def test_blackhole_route() -> None:
    table = RouteTable(
        "rtb-a",
        "vpc-1",
        (
            Route("10.0.0.0/16", "local"),
            Route("10.0.2.0/24", "eni-gone", blackhole=True),
        ),
        subnets=("subnet-a",),
    )
    verdict = analyze(world(route_tables=world().route_tables + (table,)), "web", "db", 5432)
    assert verdict is not None and not verdict.reachable
    assert verdict.blocks[0].hop == "route" and "blackhole" in verdict.blocks[0].detail


def test_other_vpc_needs_peering() -> None:
    subnets = (
        Subnet("subnet-a", "vpc-1", "10.0.1.0/24"),
        Subnet("subnet-b", "vpc-2", "10.1.2.0/24"),
    )
    endpoints = (
        Endpoint("i-web", "web", "10.0.1.10", "subnet-a", ("sg-web",)),
        Endpoint("i-db", "db", "10.1.2.20", "subnet-b", ("sg-db",)),
    )
    acls = (
        NetworkAcl("acl-1", (), OPEN_ACL, True, "vpc-1"),
        NetworkAcl("acl-2", (), OPEN_ACL, True, "vpc-2"),
    )
    via_igw = (
        RouteTable(
            "rtb-1",
            "vpc-1",
            (Route("10.0.0.0/16", "local"), Route("0.0.0.0/0", "igw-1")),
            main=True,
        ),
    )
    view = world(subnets=subnets, endpoints=endpoints, acls=acls, route_tables=via_igw)
    verdict = analyze(view, "web", "db", 5432)
    assert verdict is not None and [b.hop for b in verdict.blocks] == ["route"]
    peered = (
        RouteTable(
            "rtb-1",
            "vpc-1",
            (Route("10.0.0.0/16", "local"), Route("10.1.0.0/16", "pcx-1")),
            main=True,
        ),
    )
    verdict = analyze(replace(view, route_tables=peered), "web", "db", 5432)
    assert verdict is not None and verdict.reachable


def test_several_blocks_are_all_reported() -> None:
    table = RouteTable("rtb-a", "vpc-1", (Route("192.168.0.0/16", "local"),), subnets=("subnet-a",))
    verdict = analyze(world(route_tables=(table,)), "web", "db", 22)
    assert verdict is not None
    assert [b.hop for b in verdict.blocks] == ["route", "security_group"]


def test_ports_a_question_names() -> None:
    from bot.investigate.primitives.network import query_ports

    assert query_ports("can web reach db on port 5432?") == [5432]
    assert query_ports("timeouts to billing-pg:5432 and 10.0.2.20:6379") == [5432, 6379]
    assert query_ports("orders broken since 12:30") == []
    assert query_ports("port 99999") == []
