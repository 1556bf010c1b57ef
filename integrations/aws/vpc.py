"""The VPC as the describe_* calls show it: endpoints (instances and network interfaces),
subnets, route tables, network ACLs and security groups, as our own dataclasses (``Vpc*``);
the domain turns them into its ``reachability`` view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.aws.errors import aws_errors


@dataclass(frozen=True)
class VpcRule:
    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class VpcGroup:
    id: str
    name: str
    ingress: list[VpcRule]
    egress: list[VpcRule]


@dataclass(frozen=True)
class VpcAclEntry:
    number: int
    egress: bool
    protocol: str  # "-1", "6" (tcp), "17" (udp), "1" (icmp) as the API gives them
    allow: bool
    cidr: str
    from_port: int | None
    to_port: int | None


@dataclass(frozen=True)
class VpcAcl:
    id: str
    vpc: str
    default: bool
    subnets: list[str]
    entries: list[VpcAclEntry]


@dataclass(frozen=True)
class VpcRoute:
    cidr: str
    target: str
    blackhole: bool


@dataclass(frozen=True)
class VpcRouteTable:
    id: str
    vpc: str
    main: bool
    subnets: list[str]
    routes: list[VpcRoute]


@dataclass(frozen=True)
class VpcSubnet:
    id: str
    vpc: str
    cidr: str


@dataclass(frozen=True)
class VpcEndpoint:
    id: str
    name: str
    ip: str
    subnet: str
    groups: list[str]


@dataclass(frozen=True)
class VpcSnapshot:
    endpoints: list[VpcEndpoint]
    subnets: list[VpcSubnet]
    route_tables: list[VpcRouteTable]
    acls: list[VpcAcl]
    groups: list[VpcGroup]


def _pages(paginator: Any, key: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in paginator.paginate():
        out.extend(page.get(key, []))
    return out


def _rules(perms: list[dict[str, Any]]) -> list[VpcRule]:
    out = []
    for p in perms:
        proto = str(p.get("IpProtocol", "-1"))
        lo, hi = p.get("FromPort"), p.get("ToPort")
        if proto == "-1" or lo == -1:
            lo = hi = None
        for r in p.get("IpRanges", []):
            out.append(VpcRule(proto, lo, hi, cidr=r.get("CidrIp")))
        for r in p.get("UserIdGroupPairs", []):
            out.append(VpcRule(proto, lo, hi, group=r.get("GroupId")))
    return out


def _name(tags: list[dict[str, str]] | None, default: str) -> str:
    return next((t["Value"] for t in tags or [] if t.get("Key") == "Name"), default)


def snapshot(client: Any) -> VpcSnapshot:
    """Instances and network interfaces (as endpoints), subnets, route tables, ACLs, groups."""
    with aws_errors("VPC"):
        reservations = _pages(client.get_paginator("describe_instances"), "Reservations")
        enis = _pages(client.get_paginator("describe_network_interfaces"), "NetworkInterfaces")
        subnets = _pages(client.get_paginator("describe_subnets"), "Subnets")
        tables = _pages(client.get_paginator("describe_route_tables"), "RouteTables")
        acls = _pages(client.get_paginator("describe_network_acls"), "NetworkAcls")
        groups = _pages(client.get_paginator("describe_security_groups"), "SecurityGroups")
    endpoints: list[VpcEndpoint] = []
    for res in reservations:
        for i in res.get("Instances", []):
            if not i.get("PrivateIpAddress") or not i.get("SubnetId"):
                continue
            endpoints.append(
                VpcEndpoint(
                    i["InstanceId"],
                    _name(i.get("Tags"), i["InstanceId"]),
                    i["PrivateIpAddress"],
                    i["SubnetId"],
                    [g["GroupId"] for g in i.get("SecurityGroups", [])],
                )
            )
    seen = {e.ip for e in endpoints}
    for n in enis:
        if n.get("PrivateIpAddress") in seen or not n.get("SubnetId"):
            continue  # an instance's own interface, already listed under the instance
        endpoints.append(
            VpcEndpoint(
                n["NetworkInterfaceId"],
                _name(n.get("TagSet"), n.get("Description") or n["NetworkInterfaceId"]),
                n["PrivateIpAddress"],
                n["SubnetId"],
                [g["GroupId"] for g in n.get("Groups", [])],
            )
        )
    return VpcSnapshot(
        endpoints=endpoints,
        subnets=[VpcSubnet(s["SubnetId"], s["VpcId"], s["CidrBlock"]) for s in subnets],
        route_tables=[
            VpcRouteTable(
                t["RouteTableId"],
                t["VpcId"],
                any(a.get("Main") for a in t.get("Associations", [])),
                [a["SubnetId"] for a in t.get("Associations", []) if a.get("SubnetId")],
                [
                    VpcRoute(
                        r["DestinationCidrBlock"],
                        next(
                            (
                                str(r[k])
                                for k in (
                                    "GatewayId",
                                    "NatGatewayId",
                                    "VpcPeeringConnectionId",
                                    "TransitGatewayId",
                                    "NetworkInterfaceId",
                                    "InstanceId",
                                )
                                if r.get(k)
                            ),
                            "unknown",
                        ),  # fmt: skip
                        r.get("State") == "blackhole",
                    )
                    for r in t.get("Routes", [])
                    if r.get("DestinationCidrBlock")
                ],
            )
            for t in tables
        ],
        acls=[
            VpcAcl(
                a["NetworkAclId"],
                a["VpcId"],
                bool(a.get("IsDefault")),
                [x["SubnetId"] for x in a.get("Associations", []) if x.get("SubnetId")],
                [
                    VpcAclEntry(
                        int(e["RuleNumber"]),
                        bool(e.get("Egress")),
                        str(e.get("Protocol", "-1")),
                        e.get("RuleAction") == "allow",
                        e.get("CidrBlock", "0.0.0.0/0"),
                        (e.get("PortRange") or {}).get("From"),
                        (e.get("PortRange") or {}).get("To"),
                    )
                    for e in a.get("Entries", [])
                    if e.get("CidrBlock")
                ],
            )
            for a in acls
        ],
        groups=[
            VpcGroup(
                g["GroupId"],
                g.get("GroupName", g["GroupId"]),
                _rules(g.get("IpPermissions", [])),
                _rules(g.get("IpPermissionsEgress", [])),
            )
            for g in groups
        ],
    )
