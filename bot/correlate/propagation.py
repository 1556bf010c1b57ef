"""Three more readings of a storm's anomalous call graph, each a per-service score the calls
basis can weigh in (``bot.correlate.verdicts.by_calls``; every weight is 0 in
``playbooks/storms/election.yaml`` unless cross-validation keeps it, see docs/webhooks.md):

- ``walk``: a random walk over the anomalous call graph, in the manner of MicroCause,
  CloudRanger and MicroRank: personalised PageRank that starts from the symptomatic callers and
  steps from a caller to a callee in proportion to how anomalous the call is and how close in
  time the two began, back to a caller with a smaller weight, and stays on a service in so far
  as it is more anomalous than everything it calls (so a pass-through caller keeps some mass);
  services are ranked by how often the walk visits them;
- ``order``: time-ordered propagation consistency: per candidate root, the share of anomalous
  call edges that its fault explains (the call ends on it or on a service that depends on it) and
  that began no earlier than its own first anomaly (less a detector lag), less the share that
  began clearly before it;
- ``focus``: how much a service's anomalous incoming calls concentrate on one replica (a fault
  of one pod) rather than spread over all of them (a load effect), 0 for even, 1 for one.

Pure functions over a ``CallGraph`` (what ``StormEvidence.call_graph`` gathered); no names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.correlate.models import CorrelationConfig
from bot.topology import Topology

RESTART = 0.15  # the walk's chance to start again from a symptomatic caller (PageRank's 1 - d)
ROUNDS = 60  # power iterations; the walk settles well before on graphs of a storm's size


@dataclass(frozen=True)
class CallGraph:
    """A storm's anomalous calls between services: vantage points per (caller, callee), when
    each pair's first anomalous call came, when each service's own cause anomalies began, and
    per service the vantage points on each of its replicas (calls naming a replica)."""

    calls: Mapping[tuple[str, str], float]
    began: Mapping[tuple[str, str], datetime]
    own_began: Mapping[str, datetime] = field(default_factory=dict)
    into: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    replicas: Mapping[str, int] = field(default_factory=dict)

    def first(self, service: str) -> datetime | None:
        """When the service first looked faulty: its own cause anomaly or a call into it."""
        times = [at for (_, b), at in self.began.items() if b == service]
        own = self.own_began.get(service)
        if own is not None:
            times.append(own)
        return min(times, default=None)


def walk(
    graph: CallGraph, anomaly: Mapping[str, float], back: float, tau: timedelta
) -> dict[str, float]:
    """How often a walk over the anomalous call graph visits each service (sums to 1).

    ``anomaly``: how anomalous each service is on its own evidence (any scale; the self edge is
    what a service holds over the most anomalous of its callees). From a caller the walk steps
    to a callee with weight (the call's vantage points / the most of any call) x a time
    closeness ``1 / (1 + |Δ first anomaly| / tau)``; back to a caller with ``back`` times the
    weight of that call; it restarts from the services making anomalous calls, in proportion
    to how many they make."""
    if not graph.calls:
        return {}
    nodes = sorted({s for pair in graph.calls for s in pair} | set(anomaly))
    most = max(graph.calls.values()) or 1.0
    top = max(anomaly.values(), default=0.0) or 1.0
    level = {s: anomaly.get(s, 0.0) / top for s in nodes}
    first = {s: graph.first(s) for s in nodes}
    moves: dict[str, dict[str, float]] = {s: {} for s in nodes}
    made: dict[str, float] = {}
    for (a, b), n in graph.calls.items():
        w = n / most * _closeness(first[a], first[b], tau)
        moves[a][b] = moves[a].get(b, 0.0) + w
        moves[b][a] = moves[b].get(a, 0.0) + back * w
        made[a] = made.get(a, 0.0) + n
    for s in nodes:
        callees = [level[b] for (a, b) in graph.calls if a == s]
        stay = level[s] - max(callees, default=0.0)
        if stay > 0:
            moves[s][s] = moves[s].get(s, 0.0) + stay
    start_total = sum(made.values())
    start = {s: made.get(s, 0.0) / start_total for s in nodes}
    rank = dict(start)
    for _ in range(ROUNDS):
        nxt = {s: RESTART * start[s] for s in nodes}
        for s, mass in rank.items():
            out = moves[s]
            total = sum(out.values())
            if total <= 0:  # nowhere to go: the mass restarts
                for t in nodes:
                    nxt[t] += (1 - RESTART) * mass * start[t]
                continue
            for t, w in out.items():
                nxt[t] += (1 - RESTART) * mass * w / total
        rank = nxt
    return rank


def _closeness(a: datetime | None, b: datetime | None, tau: timedelta) -> float:
    if a is None or b is None or tau.total_seconds() <= 0:
        return 1.0
    return 1.0 / (1.0 + abs((b - a).total_seconds()) / tau.total_seconds())


def order(graph: CallGraph, topology: Topology, lag: timedelta) -> dict[str, float]:
    """Per candidate root (a service with a call into it or anomalies of its own), in [-1, 1]:
    the share of anomalous caller → callee edges it explains in time (the callee is it or
    depends on it, through anomalous calls or the topology, and the edge's first anomalous call
    came no earlier than the candidate's own first anomaly less ``lag``), less the share of
    edges that began more than ``lag`` before its first anomaly (a cause precedes its
    symptoms). Each edge counts once, however many calls it holds."""
    if not graph.calls:
        return {}
    callees: dict[str, set[str]] = {}
    for a, b in graph.calls:
        callees.setdefault(a, set()).add(b)
    reach = {s: _reach(s, callees, topology) for s in {s for pair in graph.calls for s in pair}}
    candidates = {b for _, b in graph.calls} | set(graph.own_began)
    total = len(graph.calls)
    out: dict[str, float] = {}
    for r in candidates:
        first = graph.first(r)
        if first is None:
            continue
        explained = early = 0.0
        for a, b in graph.calls:
            at = graph.began[(a, b)]
            if at < first - lag:
                early += 1
            elif b == r or r in reach.get(b, ()):
                explained += 1
        out[r] = (explained - early) / total
    return out


def _reach(start: str, callees: Mapping[str, set[str]], topology: Topology) -> set[str]:
    """Everything ``start`` calls anomalously or depends on, transitively."""
    seen: set[str] = set(topology.upstream(start))
    frontier = [start]
    while frontier:
        nxt = []
        for s in frontier:
            for t in callees.get(s, ()):
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
    seen.discard(start)
    return seen


def focus(graph: CallGraph) -> dict[str, float]:
    """Per service with two replicas or more known and calls naming a replica: how much its
    anomalous incoming calls concentrate on one replica, from 0 (spread evenly over all known
    replicas) to 1 (all on one), by one minus the normalised entropy of their split."""
    out: dict[str, float] = {}
    for service, per in graph.into.items():
        k = graph.replicas.get(service, 0)
        total = sum(per.values())
        if k < 2 or total <= 0:
            continue
        entropy = -sum(n / total * math.log(n / total) for n in per.values() if n > 0)
        out[service] = max(0.0, 1.0 - entropy / math.log(k))
    return out


def readings(
    graph: CallGraph,
    topology: Topology,
    config: CorrelationConfig,
    share: Mapping[str, float],
    own: Mapping[str, float],
) -> dict[str, float]:
    """What the three readings add to each service's score on the calls basis, by their
    weights in ``config`` (all 0: nothing, and nothing is computed). ``share``: each service's
    share of the call blame; ``own``: how far its own anomalies stand out of its replicas."""
    out: dict[str, float] = {}

    def add(scores: Mapping[str, float], weight: float) -> None:
        for s, v in scores.items():
            out[s] = out.get(s, 0.0) + weight * v

    if config.storm_walk_weight:
        calls_in: dict[str, float] = {}
        for (_, b), n in graph.calls.items():
            calls_in[b] = calls_in.get(b, 0.0) + n
        most = max(calls_in.values(), default=0.0) or 1.0
        margin = config.storm_own_margin
        anomaly = {
            s: calls_in.get(s, 0.0) / most + max(0.0, own.get(s, 0.0)) / margin
            for s in set(calls_in) | set(own)
        }
        visits = walk(graph, anomaly, config.storm_walk_back, config.storm_lead)
        add(visits, config.storm_walk_weight)
    if config.storm_order_weight:
        add(order(graph, topology, config.storm_order_lag), config.storm_order_weight)
    if config.storm_focus_weight:
        add({s: f * share.get(s, 0.0) for s, f in focus(graph).items()}, config.storm_focus_weight)
    return out
