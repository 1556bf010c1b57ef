"""Electing the root of a detector storm from its evidence (pure functions, no state).

Four kinds of evidence, strongest first; the first kind that singles a service out decides:

1. **A change before the symptoms.** A deploy, rollout or configuration change on a service,
   made no later than the group's first symptom, on a service the storm implicates (anomalous
   calls into it, anomalies of its own, or a dependency of an anomalous service). A change made
   after the symptoms began cannot have caused them and does not count.
2. **Anomalies of its own that stand out.** Causes seen on one entity of a service (resource
   saturation, a crash or restart, error lines; see ``playbooks/storms/alert_roles.yaml``),
   weighed per distinct anomaly, minus the median of its sibling replicas: a fault on one entity
   stands out, a load shift shows the same few anomalies on every replica. Among several that
   stand out, one that began ``lead`` or more after another yields to it (``later_last``).
3. **Its own anomaly first.** An entity whose own cause anomaly came a clear ``lead`` before
   the storm's first symptom, on a service the storm implicates: a cause precedes its symptoms
   (``leaders``; the earliest wins, and entities of other services that also led lower the
   confidence).
4. **Blame carried down the anomalous call graph.** Every anomalous call ``caller → callee`` is
   one vantage point (caller entity, method) that sees the callee slow or failing, and one unit
   of blame. It goes to the callee as far as the callee's other callers agree (the fraction of
   its callers that see it anomalous); the rest stays with the caller in proportion to the
   fraction of its own dependencies it finds anomalous: one caller that finds everything slow
   while nobody else does is the slow one (the common factor of its anomalous calls). Callers
   show the symptoms of their callees, not the other way: an entity that itself makes anomalous
   calls hands ``pass_down`` of what it received to the entities it calls, as far as their other
   callers agree (an absorbing random walk in the manner of MicroRCA's personalised PageRank
   over the anomalous subgraph, Wu et al., NOMS 2020; the blame rests where the anomalous calls
   end). So a chain of failing spans ends on the deepest erroring service. Services are
   compared on their share of the blame (``corroborated``; optionally per calling service, since
   a callee of many callers collects anomalous calls from each whatever its health: off by
   default, as cross-validation does not choose it), plus their own anomalies that stand out
   below the margin of rule 2. Ties go to the service the others
   depend on (call edges seen plus the configured topology), then to the one more alerts name,
   then to the earliest evidence; never to a name.

Each verdict carries a confidence: high for a change, middling for a standing-out entity, and
for blame the share the winner holds over the runner-up, low when the evidence is spread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from bot.correlate.models import AlertRef
from bot.topology import Topology

ROUNDS = 8  # propagation rounds: longer call chains than this are rare in one storm


@dataclass(frozen=True)
class StormVerdict:
    """The elected root: service, the entity (pod) the evidence singles out if any, the basis
    (``change`` | ``own`` | ``lead`` | ``calls``), a confidence in [0, 1], the runner-up and why."""

    service: str
    entity: str | None
    basis: str
    confidence: float
    runner_up: str | None
    why: str
    alert: AlertRef | None = None


def standout(per_entity: Mapping[str, Mapping[str, float]]) -> tuple[float, str]:
    """The entity whose own anomalies (summed weights of distinct anomalies) most exceed its
    siblings' median, and by how much: that is the heaviest entity (the first one on ties)."""
    weights = {e: sum(keys.values()) for e, keys in per_entity.items()}
    busiest = max(weights, key=lambda e: weights[e])
    siblings = [w for e, w in weights.items() if e != busiest]
    return weights[busiest] - (median(siblings) if siblings else 0.0), busiest


def leaders(
    own_at: Mapping[str, datetime],
    service_of: Mapping[str, str],
    before: datetime,
    eligible: set[str],
    own: Mapping[str, Mapping[str, Mapping[str, float]]],
) -> list[tuple[str, datetime, str]]:
    """``(entity, first own cause anomaly, service)`` of the entities whose own anomalies began
    no later than ``before`` (the first symptom minus the lead), on a service the storm
    implicates (``eligible``): earliest first, then the heavier, then in the order their own
    anomalies arrived (``own_at``'s order; never by name)."""
    found = [
        (e, at, s)
        for e, at in own_at.items()
        if at <= before and (s := service_of.get(e)) is not None and s in eligible
    ]

    def weight(e: str, s: str) -> float:
        return sum(own.get(s, {}).get(e, {}).values())

    return sorted(found, key=lambda f: (f[1], -weight(f[0], f[2])))


def later_last(
    order: list[str], began: Mapping[str, datetime | None], lead: timedelta
) -> list[str]:
    """``order`` with the services whose own anomalies began ``lead`` or more after the
    earliest one's moved behind the others (each part keeps its order): a cause precedes its
    symptoms, so a heavier standout that starts clearly later is more likely a consequence."""
    known = [at for s in order if (at := began.get(s)) is not None]
    if not known:
        return order
    first = min(known)
    late = {s for s in order if (at := began.get(s)) is not None and at - first >= lead}
    return [s for s in order if s not in late] + [s for s in order if s in late]


def earlier_own(
    found: Mapping[str, tuple[float, datetime | None]], winner: str, margin: float
) -> tuple[str, timedelta] | None:
    """The service whose own anomalies (``found``: standout weight, first own anomaly) stand
    out by ``margin`` or more and began before the ``winner``'s own anomalies, the earliest
    first, with how much earlier: a cause precedes its effects, so a service that stands out
    less but started first is the likelier cause. Own times are compared with own times only
    (detectors stamp metric alerts later than trace alerts)."""
    won = found[winner][1]
    if won is None:
        return None
    before = [
        (at, s)
        for s, (w, at) in found.items()
        if s != winner and w >= margin and at is not None and at < won
    ]
    if not before:
        return None
    at, s = min(before)
    return s, won - at


def carry_down(
    received: Mapping[str, float],
    out_calls: Mapping[str, Counter[str]],
    pass_down: float,
    kept: Mapping[str, float] | None = None,
    agreed: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Blame per entity. ``received``: the blame each entity gets as a callee; an entity making
    anomalous calls keeps ``1 - pass_down`` of what it receives and passes the rest to its
    callees, in proportion to the calls; entities calling nothing anomalous keep it all.
    ``kept``: blame an entity holds as a caller, which stays where it is. ``agreed``: per callee
    entity, the fraction of its callers that see it anomalous; only that part of the share
    meant for it moves (a callee only this caller finds slow leaves the blame with the caller)."""
    settled: dict[str, float] = {}
    frontier: dict[str, float] = {e: float(n) for e, n in received.items() if n}
    agree = agreed or {}
    moves: dict[str, list[tuple[str, float]]] = {}  # entity: (callee, fraction it hands on)
    for entity, calls in out_calls.items():
        total = sum(calls.values())
        if total:
            moves[entity] = [
                (callee, pass_down * n / total * agree.get(callee, 1.0))
                for callee, n in calls.items()
            ]
    for _ in range(ROUNDS):  # each unit of blame moves at most once per hop: no cycle drains
        arriving: dict[str, float] = {}
        for entity, held in frontier.items():
            stays = held
            for callee, fraction in moves.get(entity, ()):
                share = held * fraction
                arriving[callee] = arriving.get(callee, 0.0) + share
                stays -= share
            settled[entity] = settled.get(entity, 0.0) + stays
        frontier = {e: m for e, m in arriving.items() if m > 1e-9}
        if not frontier:
            break
    for entity, held in frontier.items():
        settled[entity] = settled.get(entity, 0.0) + held
    blame = settled
    for entity, own in (kept or {}).items():
        blame[entity] = blame.get(entity, 0.0) + own
    return blame


@dataclass
class Split:
    """Each anomalous call's unit of blame split between its two ends (``split_blame``), kept
    current one vantage point at a time while the service-level edges stay the same."""

    received: dict[str, float] = field(default_factory=dict)  # per callee entity
    kept: dict[str, float] = field(default_factory=dict)  # per caller entity
    agreed: dict[str, float] = field(default_factory=dict)  # per callee entity
    seen_in: dict[str, float] = field(default_factory=dict)  # per service
    seen_out: dict[str, float] = field(default_factory=dict)  # per service

    @classmethod
    def of_edges(cls, edges: set[tuple[str, str]], topology: Topology) -> Split:
        """The agreement each service pair's calls are split by: the fraction of a service's
        callers that see it anomalous, and of its dependencies that it sees anomalous."""
        callers: dict[str, set[str]] = {}
        deps: dict[str, set[str]] = {}
        for a, b in edges:
            callers.setdefault(b, set()).add(a)
            deps.setdefault(a, set()).add(b)
        split = cls()
        for s, c in callers.items():
            split.seen_in[s] = len(c) / max(1, len(c | topology.downstream(s, 1)))
        for s, d in deps.items():
            split.seen_out[s] = len(d) / max(1, len(d | topology.upstream(s, 1)))
        return split

    def add(self, caller: str, callee: str, n: int, service_of: Mapping[str, str]) -> None:
        """``n`` vantage points on the call (caller entity, callee entity)."""
        cs, es = service_of.get(caller), service_of.get(callee)
        if cs is None or es is None:
            return
        agree = self.seen_in.get(es, 1.0)
        share = 1.0 - (1.0 - agree) * self.seen_out.get(cs, 0.0)
        self.received[callee] = self.received.get(callee, 0.0) + n * share
        self.kept[caller] = self.kept.get(caller, 0.0) + n * (1.0 - share)
        self.agreed[callee] = agree


def split_blame(
    observed: Mapping[tuple[str, str], int],
    edges: set[tuple[str, str]],
    topology: Topology,
    service_of: Mapping[str, str],
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Each anomalous call's unit of blame, split between its two ends by who else agrees: the
    callee's share grows with the fraction of its callers that see it anomalous, the caller's
    with the fraction of its dependencies it sees anomalous (one caller that finds everything
    slow is the slow one; a callee every caller finds slow is). ``observed``: vantage points per
    (caller entity, callee entity)."""
    split = Split.of_edges(edges, topology)
    for (caller, callee), n in observed.items():
        split.add(caller, callee, n, service_of)
    return split.received, split.kept, split.agreed


def rank(
    scores: Mapping[str, float],
    depends_on_it: Callable[[str], int],
    first: Mapping[str, int],
    seen: Mapping[str, int] | None = None,
) -> list[str]:
    """Services best first: higher score; among those tied at the top, the one more of the
    others depend on (``depends_on_it`` is asked for the tied ones only), then the one more
    alerts give evidence on (``seen``), then the earlier. Never by name: services still tied
    keep the order of ``scores`` (the order their evidence arrived in)."""
    count = seen or {}

    def evidence(s: str) -> tuple[int, int]:
        return -count.get(s, 0), first.get(s, 1 << 62)

    order = sorted(scores, key=lambda s: (-scores[s], *evidence(s)))
    if not order:
        return order
    top = scores[order[0]]
    tied = [s for s in order if abs(scores[s] - top) < 1e-9]
    if len(tied) > 1:
        dep = {s: depends_on_it(s) for s in tied}
        tied.sort(key=lambda s: (-dep[s], *evidence(s)))
    return tied + order[len(tied) :]


def corroborated(
    blame: Mapping[str, float],
    own: Mapping[str, float],
    fan_in: Callable[[str], int],
    own_weight: float,
    fan_in_power: float = 0.0,
) -> dict[str, float]:
    """Per service, the score the calls basis ranks by: its share of the storm's call blame,
    divided by ``fan_in ** fan_in_power`` (a callee of k calling services collects k streams of
    vantage points whatever its health, so the share per caller is what compares), plus
    ``own_weight`` per unit its own anomalies stand out of its sibling replicas (``own``, see
    ``standout``; 0 when they do not). A service with no anomalous call into it competes on its
    own anomalies alone; a shared callee with nothing of its own competes on the calls alone."""
    total = sum(blame.values()) or 1.0
    scores: dict[str, float] = {}
    for s in set(blame) | {s for s, w in own.items() if w > 0}:
        share = blame.get(s, 0.0) / total
        if fan_in_power and share:
            share /= max(1, fan_in(s)) ** fan_in_power
        scores[s] = share + own_weight * max(0.0, own.get(s, 0.0))
    return scores


def share_confidence(top: float, second: float, low: float = 0.2, high: float = 0.6) -> float:
    """From ``low`` (a tie) to ``high`` (nothing else has any): the winner's share over the
    runner-up, for blame that only ever points at where anomalous calls end."""
    if top <= 0:
        return low
    share = top / (top + max(second, 0.0))
    return round(low + (high - low) * (share - 0.5) * 2, 2)
