"""One service graph serves grouping (bounded walks, ``related``) and investigations (nodes,
ordered walks, resource lookups), whether it comes from a mapping, ``topology.yaml`` or a
scenario's services."""

from __future__ import annotations

from pathlib import Path

from bot import topology
from bot.investigate import context
from bot.topology import EXTERNAL, ServiceNode, Topology, load_topology_file


def test_there_is_one_topology_class() -> None:
    assert context.Topology is topology.Topology
    assert context.ServiceNode is topology.ServiceNode


def test_yaml_runs_on_becomes_nodes_and_undeclared_dependencies_are_external(
    tmp_path: Path,
) -> None:
    path = tmp_path / "topology.yaml"
    path.write_text(
        "services:\n"
        "  - {name: web, depends_on: [api]}\n"
        "  - {name: api, depends_on: [db, cache], tier: backend}\n"
        "  - {name: db, runs_on: {kind: rds, name: db-1}}\n"
    )
    topo = load_topology_file(path)
    assert topo.get("db") == ServiceNode("db", "rds", "db-1")
    api = ServiceNode("api", EXTERNAL, "api", tier="backend", depends_on=("db", "cache"))
    assert topo.get("api") == api
    assert topo.get("cache") == ServiceNode(
        "cache", EXTERNAL, "cache"
    )  # only named as a dependency
    assert topo.names() == ["api", "cache", "db", "web"]
    assert topo.by_resource("db-1") == topo.get("db")
    assert topo.owner_of_text("connections to db-1 refused") == "db"


def test_bounded_and_ordered_walks_agree() -> None:
    topo = Topology({"web": ["api"], "api": ["db"], "db": [], "cdn": ["web", "web", "cdn"]})
    assert topo.depends_on("cdn") == ("web",)  # deduplicated, no self edge
    assert topo.dependencies("cdn") == ["web", "api", "db"]  # nearest first
    assert topo.dependents("db") == ["api", "web", "cdn"]
    assert set(topo.dependencies("cdn")) == topo.upstream("cdn")
    assert topo.upstream("cdn", 1) == {"web"}
    assert topo.downstream("db") == {"api", "web", "cdn"}
    assert topo.depth("cdn") == 0 and topo.depth("db") == 3
    assert topo.related("cdn", "db") and not topo.related("db", "other")
    assert Topology.from_graph(topo) is topo
