"""``network.reachability``: can each service in scope open a connection to what it depends on?

Pairs are the graph's edges (a service → each of its dependencies) whose both ends are
endpoints of the VPC (an instance or a network interface, by the service's resource). Ports are
those the question names (``port 5432``, ``:5432``), else the ones the destination's security
groups open to anyone at all (what it means to serve); with none, the pair is reported as
unknown. AWS Reachability Analyzer answers where it is available; elsewhere the path is computed
from the describe_* output (``bot.investigate.reachability``), and the blocks always come from
the computation so the answer names the rule to fix.
"""

from __future__ import annotations

import re
from typing import Any

from bot.investigate.context import InvestigationContext
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Scope
from bot.investigate.reachability import Endpoint, NetworkView, Verdict, analyze

#: "port 5432", "billing-pg:5432", "10.0.2.20:5432" — not a time of day ("since 12:30")
_PORT = re.compile(
    r"\bport\s+(\d{1,5})\b|[a-z\]]:(\d{1,5})\b|\b\d{1,3}(?:\.\d{1,3}){3}:(\d{1,5})\b",
    re.IGNORECASE,
)
_MAX_PORTS = 3


def query_ports(query: str) -> list[int]:
    found = {int(next(g for g in m if g)) for m in _PORT.findall(query)}
    return sorted(p for p in found if 0 < p < 65536)


def served_ports(view: NetworkView, endpoint: Endpoint) -> list[int]:
    """The single ports the endpoint's security groups let in from anywhere at all."""
    ports: set[int] = set()
    for group in view.groups:
        if group.id not in endpoint.groups:
            continue
        for rule in group.ingress:
            low, high = rule.ports.low, rule.ports.high
            if low is not None and (high is None or high == low):
                ports.add(low)
    return sorted(ports)[:_MAX_PORTS]


def _finding(service: str, verdict: Verdict) -> Finding:
    first = verdict.blocks[0] if verdict.blocks else None
    target = f"{verdict.destination}:{verdict.port}"
    how = " (Reachability Analyzer)" if verdict.method == "reachability_analyzer" else ""
    if verdict.reachable:
        text = f"{service}: {verdict.source} can reach {target}{how}"
    else:
        why = "; ".join(b.detail for b in verdict.blocks) or "; ".join(verdict.path)
        text = f"{service}: {verdict.source} cannot reach {target}{how}: {why}"
    return Finding(
        type=FindingType.REACHABILITY,
        service=service,
        source=f"vpc:{verdict.source}->{target}",
        summary=text,
        attrs={
            "source": verdict.source,
            "destination": verdict.destination,
            "port": verdict.port,
            "reachable": verdict.reachable,
            "blocked_by": first.hop if first else None,
            "blocks": len(verdict.blocks),
            "where": first.where if first else None,
            "method": verdict.method,
        },
    )


def reachability(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    view = ctx.evidence.network()
    if not view.endpoints:
        return []
    asked = query_ports(scope.query) or [int(p) for p in params.get("ports", [])]
    out: list[Finding] = []
    for name in scope.services:
        node = ctx.topology.get(name)
        src = view.endpoint(node.resource) if node else None
        if src is None:
            continue
        for dep in ctx.topology.depends_on(name):
            dep_node = ctx.topology.get(dep)
            dst = view.endpoint(dep_node.resource) if dep_node else None
            if dst is None:
                continue
            ports = asked or served_ports(view, dst)
            if not ports:
                out.append(
                    Finding(
                        type=FindingType.REACHABILITY,
                        service=name,
                        source=f"vpc:{src.name}->{dst.name}",
                        summary=f"{name}: no port known for {dst.name} (its security groups "
                        "open none); name one in the question, e.g. 'port 5432'",
                        attrs={"source": src.name, "destination": dst.name},
                    )
                )
                continue
            for port in ports:
                computed = analyze(view, src.id, dst.id, port)
                if computed is None:
                    continue
                by_aws = ctx.evidence.analyze_path(src.id, dst.id, port)
                if by_aws is not None:
                    computed = Verdict(
                        computed.source,
                        computed.destination,
                        port,
                        computed.protocol,
                        by_aws.reachable,
                        computed.blocks if not by_aws.reachable else (),
                        by_aws.path,
                        method=by_aws.method,
                    )
                out.append(_finding(name, computed))
    return out


PRIMITIVES = {"network.reachability": reachability}
