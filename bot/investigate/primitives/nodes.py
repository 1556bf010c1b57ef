"""The nodes under a service's pods: readiness, pressure conditions, cordons, and how many pods
each holds against its allocatable pod count (the kubelet's ``max-pods``).

A service's pods run on some nodes; Pending pods wait for any node to take them. Either way the
nodes' own state is evidence: a node at its allocatable pod count takes no more pods whatever
the cpu and memory free, and when every schedulable node is full, Pending is capacity. Each
notable node becomes a ``node_state`` finding on the service whose pods it holds (or refuses).
"""

from __future__ import annotations

from typing import Any

from bot.investigate.context import InvestigationContext
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Scope
from bot.investigate.sources import NodeRecord


def _full(node: NodeRecord) -> bool:
    return node.allocatable_pods is not None and node.pods >= node.allocatable_pods


def _notable(node: NodeRecord) -> list[str]:
    said = []
    if not node.ready:
        said.append("not Ready")
    said.extend(node.pressures)
    if node.unschedulable:
        said.append("cordoned (unschedulable)")
    if _full(node):
        said.append(f"holds {node.pods}/{node.allocatable_pods} pods, its allocatable pod count")
    return said


def nodes(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for s in scope.services:
        svc = ctx.topology.get(s)
        if svc is None or svc.kind != "k8s_deployment" or not svc.namespace:
            continue
        pods = ctx.evidence.pods(svc.namespace, svc.resource)
        if not pods:
            continue
        pending = sum(1 for p in pods if p.phase == "Pending" and not p.node)
        placed = sorted({p.node for p in pods if p.node})
        # Pending pods wait for any node: read them all; running ones only where they run
        read = ctx.evidence.nodes([] if pending else placed)
        schedulable = [n for n in read if n.ready and not n.unschedulable]
        every_full = bool(pending and schedulable) and all(_full(n) for n in schedulable)
        for node in read:
            said = _notable(node)
            if not said:
                continue
            text = f"{s}: node {node.name} " + "; ".join(said)
            if every_full:
                text += f" — every schedulable node is full, {pending} pod(s) of {s} wait Pending"
            out.append(
                Finding(
                    type=FindingType.NODE_STATE,
                    service=s,
                    source=f"k8s:node/{node.name}",
                    summary=text,
                    attrs={
                        "node": node.name,
                        "ready": node.ready,
                        "pressure": ", ".join(node.pressures) or None,
                        "unschedulable": node.unschedulable,
                        "pods": node.pods,
                        "allocatable_pods": node.allocatable_pods,
                        "at_pod_capacity": _full(node),
                        "every_node_full": every_full,
                        "pending": pending,
                    },
                )
            )
    return out


PRIMITIVES = {"k8s.nodes": nodes}
READS = {"k8s.nodes": "k8s_deployment"}
