"""The investigation context: the evidence port, the service graph, and the knobs.

``ctx`` is what ``investigate_incident`` / ``investigate_query`` receive. It is built by the
caller (the replay, the CLI, the Slack job) from real clients; nothing here opens a connection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.investigate.sources import Evidence


@dataclass(frozen=True)
class ServiceNode:
    name: str
    kind: str  # k8s_deployment | ecs_service | lambda | ec2 | rds | alb | s3 | cloudfront | ...
    resource: str  # the runs_on name (deployment, function, instance id_ref, bucket, db id)
    namespace: str | None = None  # k8s namespace or ECS cluster
    tier: str | None = None
    depends_on: tuple[str, ...] = ()


class Topology:
    """The service graph: who depends on whom, and which resource runs which service."""

    def __init__(self, services: Iterable[ServiceNode]) -> None:
        self.services: dict[str, ServiceNode] = {s.name: s for s in services}

    @classmethod
    def from_specs(cls, specs: Iterable[Any]) -> Topology:
        """From objects shaped like the scenario's ``services`` entries."""
        nodes = []
        for spec in specs:
            runs_on = spec.runs_on
            nodes.append(
                ServiceNode(
                    name=spec.name,
                    kind=runs_on.kind,
                    resource=runs_on.name,
                    namespace=runs_on.namespace,
                    tier=spec.tier,
                    depends_on=tuple(spec.depends_on),
                )
            )
        return cls(nodes)

    @classmethod
    def from_graph(cls, graph: Any) -> Topology:
        """From the service graph of ``bot.topology`` (``topology.yaml``): each service's
        ``runs_on`` when the file gives one, else an ``external`` node named like the service."""
        nodes = []
        for name in graph.services:
            meta = graph.meta.get(name) or {}
            runs_on = meta.get("runs_on") or {}
            nodes.append(
                ServiceNode(
                    name=name,
                    kind=runs_on.get("kind") or "external",
                    resource=runs_on.get("name") or name,
                    namespace=runs_on.get("namespace"),
                    tier=meta.get("tier"),
                    depends_on=tuple(graph.depends_on(name)),
                )
            )
        return cls(nodes)

    def get(self, name: str) -> ServiceNode | None:
        return self.services.get(name)

    def names(self) -> list[str]:
        return sorted(self.services)

    def dependencies(self, name: str) -> list[str]:
        """Transitive dependencies, nearest first."""
        out: list[str] = []
        frontier = [name]
        while frontier:
            nxt: list[str] = []
            for cur in frontier:
                node = self.services.get(cur)
                for dep in node.depends_on if node else ():
                    if dep not in out and dep != name:
                        out.append(dep)
                        nxt.append(dep)
            frontier = nxt
        return out

    def dependents(self, name: str) -> list[str]:
        """Transitive dependents (services that call ``name``), nearest first."""
        out: list[str] = []
        frontier = [name]
        while frontier:
            nxt: list[str] = []
            for cur in frontier:
                for node in self.services.values():
                    if cur in node.depends_on and node.name not in out and node.name != name:
                        out.append(node.name)
                        nxt.append(node.name)
            frontier = nxt
        return out

    def depth(self, name: str) -> int:
        """How many services sit above ``name`` (0 for an entry point)."""
        return len(self.dependents(name))

    def by_resource(self, resource: str) -> ServiceNode | None:
        for node in self.services.values():
            if node.resource == resource or node.name == resource:
                return node
        return None

    def owner_of_text(self, text: str) -> str | None:
        """The service whose name or resource name appears in ``text`` (longest match wins)."""
        best: tuple[int, str] | None = None
        for node in self.services.values():
            for token in (node.name, node.resource):
                if token and token in text and (best is None or len(token) > best[0]):
                    best = (len(token), node.name)
        return best[1] if best else None


@dataclass
class InvestigationContext:
    evidence: Evidence
    topology: Topology
    step_timeout_s: float = 20.0
    max_workers: int = 16
    lookback: timedelta = timedelta(hours=6)
    long_lookback: timedelta = timedelta(days=30)
    store: Any | None = None  # an object with ``engine`` (bot.store) to persist rows
    anthropic: Any | None = None  # an Anthropic client when a key is configured
    anthropic_model: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.evidence.now()
