"""Turn an alert-extractor dump (one folder per system, as in boerste/rca-llm-reasoning's
``data/fault-alerts/<system>/``) into alert-storm scenarios in the contract's format
(``../shared/SCENARIOS.md``), the same shape as the storm dev set ``../shared/data/storms/``:
one file per injected fault, its earliest N alerts as ``generic`` alerts, the system's services
and their call/data dependencies, and the truth (one incident, its root alert, its root service).

Input folder (``--src``): ``label.csv`` (one row per fault: ``fault_id``, ``fault_level``,
``fault_entity``, ``fault_type``, ``fault_st_time``, ``fault_duration``, optional
``augmented``), ``metric/metrics.json`` (``[ms, entity, host, kpi, up|down]``),
``trace/traces.json`` (``[ms, caller, callee, operation, PD|400|500]``) and ``log/logs.json``
(``[entity, template id, [lines], count, representative]``), each keyed by fault id. The
knowledge graph (``--kg``, ``{nodes: [{id, type}], edges: [{source, target, label}]}``) gives
the components (nodes that are neither hosts nor instances), which instance belongs to which
(``instance_of``) and who calls or stores in whom (``control_flow`` / ``data_flow``).

Rules, the same as the dev set's (see its README): an instance maps to its component, a host
alert has no service and carries ``labels.node``; a trace alert's service is the callee's; log
and label stamps are local time (``--utc-offset`` hours), metric and trace stamps epoch ms;
``now`` is the last kept alert rounded up to the minute plus one minute; the root alert is the
earliest kept alert on the faulty entity (the instance for instance-level faults, any alert of
the component for service-level ones); faults on a host, faults whose root entity has no kept
alert and time-shifted copies of another fault (``augmented``) are skipped.

The output is not for the repository (the raw telemetry's terms are unconfirmed): write it
outside, e.g. ``/work/corpora/storms-<system>/``.

Run: .venv/bin/python tests/bench/storms_convert.py --src DIR --kg FILE --out DIR --system NAME
     [--prefix ms] [--keep 60] [--utc-offset 8] [--origin TEXT]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Source fault type (lower case, a word it contains) -> root-cause kind of the contract's
# vocabulary. A loose fit: the bench scores the service, not the kind.
KINDS: tuple[tuple[str, str], ...] = (
    ("cpu", "cpu_saturation"),
    ("memory_anomalies", "memory_leak"),
    ("memory freed", "dependency_failure"),  # "unexpected process termination" in the source
    ("memory", "memory_leak"),
    ("network", "network_partition"),
    ("packet", "network_partition"),
    ("i/o", "disk_exhaustion"),
    ("process termination", "dependency_failure"),
    ("login failure", "dependency_failure"),  # a session that times out in the faulty instance
    ("file moving", "config_change"),  # files the instance reads are moved away
    ("permission denied", "config_change"),  # an access misconfiguration
)
INSTANCE_LEVELS = {"pod", "service_instance", "instance", "container"}
HOST_LEVELS = {"node", "host"}
# Metric KPIs that measure requests (latency, success rate, errors) are critical, like trace
# alerts; resource KPIs are warnings.
REQUEST_KPI = re.compile(r"(^|[-_.])(mrt|sr|latency|error|errors)($|[-_.])")
STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:[.,](\d{1,6}))?")
TIERS = {"cache": "cache", "database": "data", "coordination_manager": "infra"}


@dataclass(frozen=True)
class Graph:
    """Components, their dependencies and instances, read from the knowledge graph."""

    depends_on: dict[str, list[str]]
    component_of: dict[str, str]
    hosts: set[str]
    tier: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> Graph:
        kg = json.loads(path.read_text(encoding="utf-8"))
        kinds = {n["id"]: str(n["type"]).lower() for n in kg["nodes"]}
        hosts = {n for n, k in kinds.items() if k == "host"}
        component_of = {
            e["source"]: e["target"] for e in kg["edges"] if e["label"] == "instance_of"
        }
        components = [n for n in kinds if n not in hosts and n not in component_of]
        deps: dict[str, list[str]] = {c: [] for c in components}
        for e in kg["edges"]:
            a, b = e["source"], e["target"]
            if e["label"] in ("control_flow", "data_flow") and a != b and a in deps and b in deps:
                deps[a] = sorted({*deps[a], b})
        called = {b for ds in deps.values() for b in ds}
        tier = {
            c: TIERS.get(kinds[c], "app" if c in called or not deps[c] else "edge")
            for c in components
        }
        return cls(deps, component_of, hosts, tier)

    def component(self, entity: str) -> str | None:
        """The component an entity belongs to: itself, its instance's, or the longest component
        name it starts with (replica names such as ``cart-1`` or ``cart2-0``); None for hosts."""
        if entity in self.depends_on:
            return entity
        if entity in self.component_of:
            return self.component_of[entity]
        if entity in self.hosts:
            return None
        prefixes = [c for c in self.depends_on if entity.startswith(c)]
        return max(prefixes, key=len) if prefixes else None

    def replicas(self, component: str) -> int:
        return max(1, sum(c == component for c in self.component_of.values()))


@dataclass
class Raw:
    """One alert before it is written: exact time (epoch seconds) and the contract's fields."""

    t: float
    name: str
    severity: str
    service: str | None
    labels: dict[str, str | int]
    summary: str
    kind: str = field(default="")


@dataclass(frozen=True)
class Fault:
    fault_id: str
    level: str
    entity: str
    fault_type: str
    start: float
    duration: str
    augmented: bool


def local_stamp(text: str, utc_offset: float) -> float | None:
    """Epoch seconds of a ``YYYY-mm-dd HH:MM:SS[.,fff]`` stamp written in local time."""
    m = STAMP.match(text.strip())
    if m is None:
        return None
    when = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    frac = float(f"0.{m.group(2)}") if m.group(2) else 0.0
    return (when - timedelta(hours=utc_offset)).timestamp() + frac


def read_faults(path: Path, utc_offset: float) -> list[Fault]:
    faults = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            st = row["fault_st_time"].strip()
            start = float(st) if re.fullmatch(r"\d+(\.\d+)?", st) else local_stamp(st, utc_offset)
            if start is None:
                raise ValueError(f"{path}: fault {row['fault_id']}: unreadable start {st!r}")
            faults.append(
                Fault(
                    fault_id=row["fault_id"],
                    level=row["fault_level"].strip().lower(),
                    entity=row["fault_entity"].strip(),
                    fault_type=row["fault_type"].strip().strip("[]"),
                    start=start,
                    duration=row.get("fault_duration", "").strip(),
                    augmented=row.get("augmented", "").strip().lower() == "true",
                )
            )
    return faults


def kind_of(fault_type: str) -> str:
    low = fault_type.lower()
    return next((kind for word, kind in KINDS if word in low), "dependency_failure")


def metric_alert(rec: list, graph: Graph) -> Raw:
    ms, entity, host, kpi, direction = rec[:5]
    service = graph.component(entity)
    labels: dict[str, str | int] = {"entity": entity, "alert_type": "metric", "kpi": kpi}
    labels["anomaly"] = direction
    own_host = host not in (None, "", "system")
    if service is None:  # a host's own metric: the entity is the host unless one is named
        labels["node"] = host if own_host else entity
        where = entity
    else:  # a container: on a named host it is a pod, even when it is the service's only one
        if own_host:
            labels["node"] = host
        if own_host or entity != service:
            labels["pod"] = entity
        where = f"{entity} (host {host})" if own_host else entity
    severity = "critical" if REQUEST_KPI.search(kpi.lower()) else "warning"
    return Raw(int(ms) / 1000, f"metric:{kpi}:{direction}", severity, service, labels,
               f"{where} | {kpi} | {direction}", "metric")  # fmt: skip


def trace_alert(rec: list, graph: Graph) -> Raw:
    ms, caller, callee, operation, anomaly = rec[:5]
    labels: dict[str, str | int] = {"entity": callee, "alert_type": "trace", "anomaly": anomaly}
    labels |= {"caller": caller, "callee": callee, "operation": operation, "pod": callee}
    return Raw(int(ms) / 1000, f"trace:{anomaly}", "critical", graph.component(callee), labels,
               f"{caller} --> {callee} | {operation} | {anomaly}", "trace")  # fmt: skip


def log_alert(rec: list, graph: Graph, utc_offset: float) -> Raw | None:
    entity, template, lines, count = rec[:4]
    representative = rec[4] if len(rec) > 4 and rec[4] else None
    first = representative or (lines[0] if lines else None)
    if first is None:
        return None
    stamps = [s for s in (local_stamp(x, utc_offset) for x in [*lines, first]) if s is not None]
    if not stamps:
        return None
    message = first.split(" | ")[-1].strip()
    summary = message if int(count) <= 1 else f"{message} (occurred {int(count)} times)"
    labels: dict[str, str | int] = {"entity": entity, "alert_type": "log"}
    labels |= {"template_id": str(template), "count": int(count), "pod": entity}
    return Raw(min(stamps), f"log:template-{template}", "warning", graph.component(entity),
               labels, summary, "log")  # fmt: skip


def flow(value: object) -> str:
    """A value as one-line YAML flow (strings JSON-quoted, which YAML reads the same)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(str(value))


def on_root(alert: Raw, fault: Fault, root_service: str) -> bool:
    if fault.level in INSTANCE_LEVELS:
        return alert.labels.get("entity") == fault.entity
    return alert.service == root_service


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Source:
    metrics: dict[str, list]
    traces: dict[str, list]
    logs: dict[str, list]

    @classmethod
    def load(cls, src: Path) -> Source:
        def read(rel: str) -> dict[str, list]:
            p = src / rel
            return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}

        return cls(read("metric/metrics.json"), read("trace/traces.json"), read("log/logs.json"))


def storm(fault: Fault, source: Source, graph: Graph, utc_offset: float) -> list[Raw]:
    fid = fault.fault_id
    alerts = [metric_alert(r, graph) for r in source.metrics.get(fid, [])]
    alerts += [trace_alert(r, graph) for r in source.traces.get(fid, [])]
    logs = (log_alert(r, graph, utc_offset) for r in source.logs.get(fid, []))
    alerts += [a for a in logs if a is not None]
    return sorted(alerts, key=lambda a: a.t)  # stable: metric, trace, log at equal times


def render(fault: Fault, number: str, kept: list[Raw], total: int, graph: Graph,
           opts: argparse.Namespace) -> str | None:  # fmt: skip
    """The scenario text of one fault, or None when it is skipped (see the module doc)."""
    root_service = graph.component(fault.entity)
    if root_service is None or fault.level in HOST_LEVELS:
        return None
    root = next((i for i, a in enumerate(kept) if on_root(a, fault, root_service)), None)
    if root is None:
        return None
    now = math.ceil(kept[-1].t / 60) * 60 + 60
    ids = [f"a{i + 1:0{max(2, len(str(len(kept))))}d}" for i in range(len(kept))]
    kinds = Counter(a.kind for a in kept)
    services = {a.service for a in kept if a.service}
    mix = ", ".join(f"{n} {k}" for k, n in kinds.most_common())
    span = round(kept[-1].t - kept[0].t)
    local = datetime.fromtimestamp(fault.start, UTC) + timedelta(hours=opts.utc_offset)
    kind = kind_of(fault.fault_type)
    out = [
        f"# Converted by tests/bench/storms_convert.py from {opts.origin},",
        f"#   fault_id {fault.fault_id}. Original fault: type {fault.fault_type!r}, "
        f"level {fault.level},",
        f"#   entity {fault.entity!r}, injected {iso(fault.start)} "
        f"({local:%Y-%m-%d %H:%M:%S} UTC{opts.utc_offset:+g}), "
        f"lasting {fault.duration}s.",
        f"# root_cause.kind {kind}: mapped loosely from the fault type (score the service).",
        f"# Alerts: the earliest {len(kept)} of the fault's {total} (metric/trace/log); now = last "
        "kept alert,",
        "#   rounded up to the minute, + 1 minute.",
        "version: 1",
        f"name: {opts.prefix}-{number}",
        f'summary: "{opts.system} alert storm: {len(kept)} alerts ({mix}) from '
        f'{len(services)} services within {span}s"',
        f'now: "{iso(now)}"',
        "",
        "services:",
    ]
    for c, deps in graph.depends_on.items():
        runs = {"kind": "k8s_deployment", "namespace": "default", "name": c}
        out.append("  - " + flow({"name": c, "tier": graph.tier[c], "runs_on": runs,
                                  "depends_on": deps}))  # fmt: skip
    out += ["", "kubernetes:", "  deployments:"]
    for c in graph.depends_on:
        rev = {"revision": 1, "image": f"{opts.system.lower()}/{c}:unknown", "at": "-30d"}
        dep = {"namespace": "default", "name": c, "replicas": graph.replicas(c), "revisions": [rev]}
        out.append("    - " + flow(dep))
    out += ["", "alerts:"]
    for aid, a in zip(ids, kept, strict=True):
        row: dict[str, object] = {"id": aid, "at": f"{math.floor(a.t) - now}s", "format": "generic"}
        row |= {"status": "firing", "name": a.name, "severity": a.severity}
        if a.service:
            row["service"] = a.service
        row |= {"labels": a.labels, "summary": a.summary}
        out.append("  - " + flow(row))
    out += ["", "truth:", "  incidents:", f"    - alerts: [{', '.join(ids)}]"]
    out += [f"      root_alert: {ids[root]}", "  root_cause:", f"    kind: {kind}"]
    out += [f"    service: {root_service}", ""]
    return "\n".join(out)


def convert(opts: argparse.Namespace) -> list[Path]:
    graph = Graph.load(Path(opts.kg))
    source = Source.load(Path(opts.src))
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    skipped: Counter[str] = Counter()
    for fault in read_faults(Path(opts.src) / "label.csv", opts.utc_offset):
        if fault.augmented:
            skipped["time-shifted copy of another fault"] += 1
            continue
        alerts = storm(fault, source, graph, opts.utc_offset)
        if not alerts:
            skipped["no alerts"] += 1
            continue
        number = f"{len(written) + 1:03d}"
        text = render(fault, number, alerts[: opts.keep], len(alerts), graph, opts)
        if text is None:
            skipped["root on a host, or no kept alert on the root entity"] += 1
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", fault.fault_type.lower()).strip("-")
        path = out / f"{opts.prefix}-{number}-{slug}.yaml"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    print(f"[storms convert] {len(written)} scenarios written to {out}; skipped: "
          + (", ".join(f"{n} {why}" for why, n in skipped.items()) or "none"))  # fmt: skip
    return written


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", required=True, help="fault-alerts folder of one system")
    ap.add_argument("--kg", required=True, help="the system's knowledge graph (JSON)")
    ap.add_argument("--out", required=True, help="folder to write the scenarios to")
    ap.add_argument("--system", required=True, help="system name for summaries")
    ap.add_argument("--prefix", default="ms", help="scenario name prefix")
    ap.add_argument("--keep", type=int, default=60, help="earliest alerts kept per fault")
    ap.add_argument("--utc-offset", type=float, default=8.0, help="hours of local stamps")
    ap.add_argument("--origin", default="an alert-extractor dump", help="provenance line")
    return ap.parse_args(argv)


if __name__ == "__main__":
    convert(parse_args())
