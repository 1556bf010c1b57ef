"""The service graph: who depends on whom, from a scenario's services or a ``topology.yaml``.

``topology.yaml`` (production) has the same shape as a scenario's ``services`` list::

    services:
      - {name: orders-api, depends_on: [orders-db]}
      - {name: orders-db, runs_on: {kind: rds, name: orders-db-1}}

``runs_on`` (optional, as in scenarios) tells investigations which resource runs the service;
it is kept in ``meta`` beside the graph.

Edges point from a service to what it depends on ("upstream"). Relations are directed: two
services that merely share a dependency are NOT related (a shared bucket does not make a CDN and
a Lambda one incident).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.errors import UserError

DEFAULT_DEPTH = 4


class Topology:
    """An immutable directed graph ``service -> depends_on``; lookups are cached."""

    def __init__(self, depends_on: Mapping[str, Iterable[str]] | None = None) -> None:
        graph: dict[str, tuple[str, ...]] = {}
        for name, deps in (depends_on or {}).items():
            graph[name] = tuple(dict.fromkeys(d for d in deps if d and d != name))
            for dep in graph[name]:
                graph.setdefault(dep, ())
        self._deps = graph
        self.meta: dict[str, dict[str, Any]] = {}  # per service: runs_on, tier (when known)
        dependents: dict[str, list[str]] = {name: [] for name in graph}
        for name, deps in graph.items():
            for dep in deps:
                dependents[dep].append(name)
        self._dependents = {k: tuple(v) for k, v in dependents.items()}
        self.upstream = lru_cache(maxsize=65536)(self._upstream)
        self.downstream = lru_cache(maxsize=65536)(self._downstream)

    @property
    def services(self) -> list[str]:
        return sorted(self._deps)

    def depends_on(self, service: str) -> tuple[str, ...]:
        return self._deps.get(service, ())

    def __contains__(self, service: object) -> bool:
        return service in self._deps

    def __len__(self) -> int:
        return len(self._deps)

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

    def related(self, a: str, b: str) -> bool:
        """True when one of the two depends (transitively) on the other."""
        return a == b or b in self.upstream(a) or a in self.upstream(b)

    @classmethod
    def from_services(cls, services: Iterable[Any]) -> Topology:
        """From scenario ``services`` (objects or dicts with ``name`` and ``depends_on``)."""
        graph: dict[str, list[str]] = {}
        meta: dict[str, dict[str, Any]] = {}
        for svc in services:
            name = svc["name"] if isinstance(svc, Mapping) else svc.name
            deps = svc.get("depends_on") if isinstance(svc, Mapping) else svc.depends_on
            graph[str(name)] = [str(d) for d in (deps or [])]
            meta[str(name)] = {
                "runs_on": _runs_on(_attr(svc, "runs_on")),
                "tier": _attr(svc, "tier"),
            }
        topology = cls(graph)
        topology.meta = meta
        return topology


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
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
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
