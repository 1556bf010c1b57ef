"""The scenario's network as an investigation's reachability check reads it: the sandbox seeds
every instance and security group into one default VPC, so that is what is served here."""

from __future__ import annotations

from collections.abc import Sequence

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
)
from bot.investigate.sources import Ec2Record
from sandbox.scenario_models import Scenario


def scenario_network(scenario: Scenario, instances: Sequence[Ec2Record]) -> NetworkView:
    """The scenario's instances and security groups in one default VPC, as the sandbox
    seeds them (one subnet, the default allow-all ACL, the main table's local route,
    groups that allow all egress)."""
    vpc, subnet = "vpc-default", "subnet-default"
    everything = (SgRule("-1", PortRange(), cidr="0.0.0.0/0"),)
    groups = tuple(
        SecurityGroup(
            g.name,
            g.name,
            tuple(
                SgRule(
                    r.protocol,
                    PortRange() if r.protocol == "-1" else PortRange(r.port, r.port),
                    cidr=r.cidr,
                )
                for r in g.ingress
            ),
            everything,
        )
        for g in scenario.aws.security_groups
    )
    endpoints = tuple(
        Endpoint(e.instance_id, e.ref, f"172.31.0.{10 + i}", subnet, tuple(e.security_groups))
        for i, e in enumerate(instances)
    )
    return NetworkView(
        endpoints=endpoints,
        subnets=(Subnet(subnet, vpc, "172.31.0.0/16"),),
        route_tables=(RouteTable("rtb-main", vpc, (Route("172.31.0.0/16", "local"),), main=True),),
        acls=(
            NetworkAcl(
                "acl-default",
                (),
                (
                    NaclEntry(100, False, "-1", True, "0.0.0.0/0"),
                    NaclEntry(100, True, "-1", True, "0.0.0.0/0"),
                ),
                default=True,
                vpc=vpc,
            ),
        ),
        groups=groups,
    )
