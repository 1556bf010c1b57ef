"""Can one endpoint of a VPC open a connection to another? A pure function over what the
``Describe*`` calls return (route tables, network ACLs, security groups), no I/O.

The path of a TCP/UDP connection from ``source`` to ``destination`` on ``port``:

1. **route**: the source subnet's route table (its explicit association, else the VPC's main
   table) needs a route whose destination CIDR holds the destination address; the longest prefix
   wins; a ``local`` route stays in the VPC, a ``blackhole`` drops the packet. Another VPC is
   reached only through a peering connection or a transit gateway route.
2. **network ACLs** (stateless, rules in number order, the first match decides): outbound on
   the source subnet and inbound on the destination subnet for the port; the reply (ephemeral
   ports 1024-65535) inbound on the source and outbound on the destination. Subnets of the same
   ACL apply it too: traffic between two subnets crosses both.
3. **security groups** (stateful): egress on any of the source's groups to the destination
   (by CIDR or by one of the destination's groups) and ingress on any of the destination's
   groups from the source.

Every hop that blocks is reported, each naming the rule or table and why, so the answer says
which of possibly several things to fix.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal

Protocol = Literal["tcp", "udp", "icmp", "-1"]
EPHEMERAL = (1024, 65535)


@dataclass(frozen=True)
class PortRange:
    low: int | None = None  # None: all ports
    high: int | None = None

    def holds(self, port: int) -> bool:
        if self.low is None:
            return True
        return self.low <= port <= (self.high if self.high is not None else self.low)

    def overlaps(self, low: int, high: int) -> bool:
        if self.low is None:
            return True
        return self.low <= high and low <= (self.high if self.high is not None else self.low)


def _proto_ok(rule: str, proto: str) -> bool:
    return rule in ("-1", "all") or rule == proto


@dataclass(frozen=True)
class SgRule:
    protocol: str  # tcp | udp | icmp | -1
    ports: PortRange
    cidr: str | None = None
    group: str | None = None  # a referenced security group id


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str
    ingress: tuple[SgRule, ...] = ()
    egress: tuple[SgRule, ...] = ()


@dataclass(frozen=True)
class NaclEntry:
    number: int
    egress: bool
    protocol: str
    allow: bool
    cidr: str
    ports: PortRange = field(default_factory=PortRange)


@dataclass(frozen=True)
class NetworkAcl:
    id: str
    subnets: tuple[str, ...]
    entries: tuple[NaclEntry, ...]
    default: bool = False
    vpc: str = ""


@dataclass(frozen=True)
class Route:
    cidr: str
    target: str  # local | igw-… | nat-… | pcx-… | tgw-… | eni-… | blackhole
    blackhole: bool = False


@dataclass(frozen=True)
class RouteTable:
    id: str
    vpc: str
    routes: tuple[Route, ...]
    subnets: tuple[str, ...] = ()
    main: bool = False


@dataclass(frozen=True)
class Subnet:
    id: str
    vpc: str
    cidr: str


@dataclass(frozen=True)
class Endpoint:
    """An instance or a network interface: where its address lives and which groups guard it."""

    id: str  # i-… / eni-…
    name: str  # what people call it (the Name tag, the scenario's id_ref)
    ip: str
    subnet: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class NetworkView:
    endpoints: tuple[Endpoint, ...] = ()
    subnets: tuple[Subnet, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    acls: tuple[NetworkAcl, ...] = ()
    groups: tuple[SecurityGroup, ...] = ()

    def endpoint(self, ref: str) -> Endpoint | None:
        """By id, name or private address."""
        return next((e for e in self.endpoints if ref in (e.id, e.name, e.ip)), None)


@dataclass(frozen=True)
class Block:
    hop: Literal["route", "nacl", "security_group"]
    where: str  # the table / ACL / group id
    detail: str


@dataclass(frozen=True)
class Verdict:
    source: str
    destination: str
    port: int
    protocol: str
    reachable: bool
    blocks: tuple[Block, ...] = ()
    path: tuple[str, ...] = ()  # what was crossed, in order (for the evidence)
    method: str = "computed"  # computed | reachability_analyzer


def _in(ip: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def _route_table(view: NetworkView, subnet: Subnet) -> RouteTable | None:
    explicit = next((t for t in view.route_tables if subnet.id in t.subnets), None)
    if explicit is not None:
        return explicit
    return next((t for t in view.route_tables if t.vpc == subnet.vpc and t.main), None)


def _route(view: NetworkView, src: Subnet, dst: Subnet, dst_ip: str) -> tuple[str, Block | None]:
    table = _route_table(view, src)
    if table is None:
        return "no route table", Block("route", src.id, f"subnet {src.id} has no route table")
    hits = [r for r in table.routes if _in(dst_ip, r.cidr)]
    if not hits:
        return table.id, Block(
            "route", table.id, f"route table {table.id} has no route to {dst_ip}"
        )
    best = max(hits, key=lambda r: ipaddress.ip_network(r.cidr, strict=False).prefixlen)
    if best.blackhole or best.target == "blackhole":
        return table.id, Block(
            "route", table.id, f"route {best.cidr} in {table.id} is a blackhole ({best.target})"
        )
    if src.vpc != dst.vpc and not best.target.startswith(("pcx-", "tgw-")):
        return table.id, Block(
            "route",
            table.id,
            f"{dst_ip} is in another VPC ({dst.vpc}) and route {best.cidr} goes to "
            f"{best.target}, not a peering connection or transit gateway",
        )
    return f"{table.id} ({best.cidr} → {best.target})", None


def _acl_of(view: NetworkView, subnet: Subnet) -> NetworkAcl | None:
    explicit = next((a for a in view.acls if subnet.id in a.subnets), None)
    if explicit is not None:
        return explicit
    return next((a for a in view.acls if a.default and a.vpc == subnet.vpc), None)


def acl_decision(
    acl: NetworkAcl, *, egress: bool, peer_ip: str, ports: tuple[int, int], protocol: str
) -> tuple[bool, NaclEntry | None]:
    """The first entry (in rule-number order) that matches decides; ``*`` (32767) denies all.
    ``ports`` is a range because a reply may come on any ephemeral port: a rule counts when it
    covers part of it (a deny of part of the range blocks some replies, reported as a block)."""
    for entry in sorted(acl.entries, key=lambda e: e.number):
        if entry.egress != egress or not _proto_ok(entry.protocol, protocol):
            continue
        if not _in(peer_ip, entry.cidr) or not entry.ports.overlaps(*ports):
            continue
        return entry.allow, entry
    return False, None


def _acl_hops(
    view: NetworkView,
    src: Endpoint,
    dst: Endpoint,
    s_net: Subnet,
    d_net: Subnet,
    port: int,
    protocol: str,
) -> list[Block]:
    blocks: list[Block] = []
    checks = []  # (subnet, egress, peer, ports, what)
    if s_net.id != d_net.id:  # ACLs guard subnet boundaries: the same subnet crosses none
        checks = [
            (s_net, True, dst.ip, (port, port), f"outbound to {dst.ip}:{port}"),
            (d_net, False, src.ip, (port, port), f"inbound from {src.ip} on {port}"),
        ]
        if protocol != "icmp":  # the reply: stateless ACLs must let it back
            checks += [
                (d_net, True, src.ip, EPHEMERAL, f"reply outbound to {src.ip} on 1024-65535"),
                (s_net, False, dst.ip, EPHEMERAL, f"reply inbound from {dst.ip} on 1024-65535"),
            ]
    for subnet, egress, peer, ports, what in checks:
        acl = _acl_of(view, subnet)
        if acl is None:
            continue  # no ACL read: nothing to say
        allowed, entry = acl_decision(
            acl, egress=egress, peer_ip=peer, ports=ports, protocol=protocol
        )
        if not allowed:
            rule = f"rule {entry.number} denies" if entry else "no rule allows (the final * deny)"
            blocks.append(
                Block("nacl", acl.id, f"network ACL {acl.id} on {subnet.id}: {rule} {what}")
            )
    return blocks


def _sg_allows(
    rules: tuple[SgRule, ...], peer_ip: str, peer_groups: tuple[str, ...], port: int, protocol: str
) -> bool:
    for r in rules:
        if not _proto_ok(r.protocol, protocol) or not r.ports.holds(port):
            continue
        if (r.cidr and _in(peer_ip, r.cidr)) or (r.group and r.group in peer_groups):
            return True
    return False


def _sg_hops(
    view: NetworkView, src: Endpoint, dst: Endpoint, port: int, protocol: str
) -> list[Block]:
    by_id = {g.id: g for g in view.groups}
    blocks = []
    src_groups = [by_id[g] for g in src.groups if g in by_id]
    dst_groups = [by_id[g] for g in dst.groups if g in by_id]
    if src_groups and not any(
        _sg_allows(g.egress, dst.ip, dst.groups, port, protocol) for g in src_groups
    ):
        names = ", ".join(g.name for g in src_groups)
        blocks.append(
            Block(
                "security_group",
                src_groups[0].id,
                f"no egress rule of {src.name}'s security groups ({names}) allows "
                f"{protocol.upper()} {port} to {dst.ip}",
            )
        )
    if dst_groups and not any(
        _sg_allows(g.ingress, src.ip, src.groups, port, protocol) for g in dst_groups
    ):
        names = ", ".join(g.name for g in dst_groups)
        blocks.append(
            Block(
                "security_group",
                dst_groups[0].id,
                f"no ingress rule of {dst.name}'s security groups ({names}) allows "
                f"{protocol.upper()} {port} from {src.ip}",
            )
        )
    return blocks


def analyze(
    view: NetworkView, source: str, destination: str, port: int, protocol: str = "tcp"
) -> Verdict | None:
    """The verdict for ``source`` → ``destination`` (ids, names or private addresses), or None
    when either endpoint or its subnet is not in ``view``."""
    src, dst = view.endpoint(source), view.endpoint(destination)
    if src is None or dst is None:
        return None
    subnets = {s.id: s for s in view.subnets}
    s_net, d_net = subnets.get(src.subnet), subnets.get(dst.subnet)
    if s_net is None or d_net is None:
        return None
    hop, route_block = _route(view, s_net, d_net, dst.ip)
    blocks = [route_block] if route_block else []
    blocks += _acl_hops(view, src, dst, s_net, d_net, port, protocol)
    blocks += _sg_hops(view, src, dst, port, protocol)
    path = (src.id, s_net.id, hop, d_net.id, dst.id)
    return Verdict(src.name, dst.name, port, protocol, not blocks, tuple(blocks), path)
