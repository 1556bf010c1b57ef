"""The service graph: who depends on whom, from a scenario's services or a ``topology.yaml``.

``topology.yaml`` (production) has the same shape as a scenario's ``services`` list::

    services:
      - {name: orders-api, depends_on: [orders-db]}
      - {name: orders-db, runs_on: {kind: rds, name: orders-db-1}}

``runs_on`` (optional, as in scenarios) tells investigations which resource runs the service;
it becomes the service's ``ServiceNode`` (kind, resource, namespace). The correlator, change
scoring and the investigation all read this one class.

Edges point from a service to what it depends on ("upstream"). Relations are directed: two
services that merely share a dependency are NOT related (a shared bucket does not make a CDN and
a Lambda one incident).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.errors import UserError
from bot.yamlloc import load_yaml

DEFAULT_DEPTH = 4
EXTERNAL = "external"  # the kind of a service whose resource is not known


@dataclass(frozen=True)
class ServiceNode:
    name: str
    kind: (
        str  # k8s_deployment | ecs_service | lambda | ec2 | rds | alb | s3 | cloudfront | external
    )
    resource: str  # the runs_on name (deployment, function, instance id_ref, bucket, db id)
    namespace: str | None = None  # k8s namespace or ECS cluster
    tier: str | None = None
    depends_on: tuple[str, ...] = ()


class Topology:
    """The one service graph: ``service -> depends_on`` edges, and per service a ``ServiceNode``
    (which resource runs it). Built from a mapping ``{service: [dependencies]}`` (every service
    ``external``) or from ``ServiceNode``s; a dependency that is not declared becomes an
    ``external`` node. Immutable; the depth-bounded walks the correlator uses are cached."""

    def __init__(
        self,
        depends_on: Mapping[str, Iterable[str]] | Iterable[ServiceNode] | None = None,
        *,
        undeclared_nodes: bool = True,
    ) -> None:
        if isinstance(depends_on, Mapping):
            given = [
                ServiceNode(n, EXTERNAL, n, depends_on=tuple(d)) for n, d in depends_on.items()
            ]
        else:
            given = list(depends_on or ())
        graph: dict[str, tuple[str, ...]] = {}
        for node in given:
            graph[node.name] = tuple(
                dict.fromkeys(d for d in node.depends_on if d and d != node.name)
            )
        for name in list(graph):
            for dep in graph[name]:
                graph.setdefault(dep, ())
        self._deps = graph
        nodes = {n.name: replace(n, depends_on=graph[n.name]) for n in given}
        #: every service by name (declared, then undeclared dependencies as ``external``)
        self.services: dict[str, ServiceNode] = {
            name: nodes.get(name) or ServiceNode(name, EXTERNAL, name)
            for name in graph
            if name in nodes or undeclared_nodes
        }
        dependents: dict[str, list[str]] = {name: [] for name in graph}
        for name, deps in graph.items():
            for dep in deps:
                dependents[dep].append(name)
        self._dependents = {k: tuple(v) for k, v in dependents.items()}
        self.upstream = lru_cache(maxsize=65536)(self._upstream)
        self.downstream = lru_cache(maxsize=65536)(self._downstream)

    # --- lookups
    def names(self) -> list[str]:
        return sorted(self.services)

    def get(self, name: str) -> ServiceNode | None:
        return self.services.get(name)

    def depends_on(self, service: str) -> tuple[str, ...]:
        return self._deps.get(service, ())

    def __contains__(self, service: object) -> bool:
        return service in self._deps

    def __len__(self) -> int:
        return len(self._deps)

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

    # --- walks
    @staticmethod
    def _walk(start: str, edges: Mapping[str, tuple[str, ...]], depth: int) -> frozenset[str]:
        seen: set[str] = set()
        frontier = [start]
        for _ in range(depth):
            nxt: list[str] = []
            for node in frontier:
                for other in edges.get(node, ()):
                    if other not in seen and other != start:
                        seen.add(other)
                        nxt.append(other)
            if not nxt:
                break
            frontier = nxt
        return frozenset(seen)

    def _upstream(self, service: str, depth: int = DEFAULT_DEPTH) -> frozenset[str]:
        """Everything ``service`` depends on, directly or through up to ``depth`` hops."""
        return self._walk(service, self._deps, depth)

    def _downstream(self, service: str, depth: int = DEFAULT_DEPTH) -> frozenset[str]:
        """Everything that depends on ``service`` (up to ``depth`` hops)."""
        return self._walk(service, self._dependents, depth)

    @staticmethod
    def _ordered(start: str, edges: Mapping[str, tuple[str, ...]]) -> list[str]:
        out: list[str] = []
        frontier = [start]
        while frontier:
            nxt: list[str] = []
            for cur in frontier:
                for other in edges.get(cur, ()):
                    if other not in out and other != start:
                        out.append(other)
                        nxt.append(other)
            frontier = nxt
        return out

    def dependencies(self, name: str) -> list[str]:
        """Transitive dependencies, nearest first (no depth bound)."""
        return self._ordered(name, self._deps)

    def dependents(self, name: str) -> list[str]:
        """Transitive dependents (services that call ``name``), nearest first."""
        return self._ordered(name, self._dependents)

    def depth(self, name: str) -> int:
        """How many services sit above ``name`` (0 for an entry point)."""
        return len(self.dependents(name))

    def related(self, a: str, b: str) -> bool:
        """True when one of the two depends (transitively) on the other."""
        return a == b or b in self.upstream(a) or a in self.upstream(b)

    # --- construction
    @classmethod
    def from_services(cls, services: Iterable[Any]) -> Topology:
        """From scenario ``services`` or ``topology.yaml`` entries (objects or dicts with
        ``name``, ``depends_on`` and optionally ``runs_on`` and ``tier``)."""
        nodes = []
        for svc in services:
            name = str(_attr(svc, "name"))
            runs_on = _runs_on(_attr(svc, "runs_on")) or {}
            nodes.append(
                ServiceNode(
                    name=name,
                    kind=runs_on.get("kind") or EXTERNAL,
                    resource=runs_on.get("name") or name,
                    namespace=runs_on.get("namespace"),
                    tier=_attr(svc, "tier"),
                    depends_on=tuple(str(d) for d in (_attr(svc, "depends_on") or [])),
                )
            )
        return cls(nodes)

    @classmethod
    def from_specs(cls, specs: Iterable[Any]) -> Topology:
        """From the scenario's ``services`` entries: as ``from_services``, but a dependency the
        scenario does not declare stays an edge without a node (what investigations expect)."""
        full = cls.from_services(specs)
        return cls(
            [n for n in full.services.values() if n.name in _declared(specs)],
            undeclared_nodes=False,
        )

    @classmethod
    def from_graph(cls, graph: Topology) -> Topology:
        """The graph itself: there is one ``Topology`` (kept for callers of the old two)."""
        return graph


def _declared(services: Iterable[Any]) -> set[str]:
    return {str(_attr(s, "name")) for s in services}


def _attr(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def _runs_on(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    out = {k: _attr(value, k) for k in ("kind", "name", "namespace")}
    return {k: str(v) for k, v in out.items() if v is not None}


def load_topology_file(path: Path) -> Topology:
    """Read ``topology.yaml``; a malformed file is a UserError naming the file."""
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"topology file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({exc})") from None
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, list):
        raise UserError(f"{path}: expected a top-level 'services' list")
    for i, svc in enumerate(services):
        if not isinstance(svc, dict) or not isinstance(svc.get("name"), str):
            raise UserError(f"{path}: services[{i}] needs a 'name'")
        if not isinstance(svc.get("depends_on") or [], list):
            raise UserError(f"{path}: services[{i}].depends_on must be a list")
        runs_on = svc.get("runs_on")
        if runs_on is not None and not (isinstance(runs_on, dict) and runs_on.get("kind")):
            raise UserError(f"{path}: services[{i}].runs_on needs a 'kind' (and a 'name')")
    return Topology.from_services(services)
