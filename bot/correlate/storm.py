"""The root of a detector storm, elected from how the evidence propagates over the call graph.

Anomaly detectors over traces, metrics and logs fire on nearly every service of a system within
seconds of one fault; "the first alert" or "the most upstream alerting service" then names a
bystander. A group becomes a *storm* once it holds an alert on a traced call (``caller`` and
``callee`` labels naming two different services). From then on its root is elected from two
kinds of evidence, each tied to a service through ``EntityMap`` (pods, replicas, detector
entities → services):

1. **Anomalies of its own.** Metric and log alerts on a service's entities (pods, or the service
   itself), as opposed to failing calls into it. A fault on one entity makes that entity show
   many distinct anomalies while its sibling replicas stay quiet; a load shift or a shared
   symptom shows the same few anomalies on every replica. So an entity's weight is the number
   of distinct anomalies (alert names) on it minus the median of its siblings'. The service
   holding the entity that stands out by at least ``own_margin`` wins; ties go to the earlier
   anomaly.
2. **Calls that fail into it.** An anomalous call ``caller → callee`` (latency, errors) is
   explained by the callee, not the caller: the evidence flows down the edge. Without a
   standing-out entity the root is the callee that explains the most anomalous calls. Ties go
   to the one the other depends on (the caller→callee graph built from the alerts' call edges
   plus the configured topology), then to the earlier first alert.

A caller's own latency or errors with no callee named (a call whose two ends are the same
service) stays on the caller and weighs nothing here: it is the symptom this rule explains.
The root alert is the first alert on the elected entity (the standing-out one, or the callee
entity with the most failing calls), else on the elected service. Groups with no call edge keep
the structural rule of ``bot.correlate.root`` (most upstream failing service), and the
correlator builds this evidence only once a group's first call arrives (replaying the group's
earlier alerts into it), so ordinary groups pay one label lookup per alert.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from statistics import median

from bot.correlate.entities import EntityMap
from bot.correlate.models import CALLEE_KEYS, CALLER_KEYS, ENTITY_KEYS, AlertFacts, AlertRef
from bot.topology import Topology


def _label(labels: object, keys: tuple[str, ...]) -> str | None:
    get = getattr(labels, "get", None)
    if get is None:
        return None
    for key in keys:
        value = get(key)
        if value:
            return str(value)
    return None


def is_call(alert: AlertFacts, entities: EntityMap) -> bool:
    """The alert is about a traced call between two different known services."""
    caller = entities.service_of(_label(alert.labels, CALLER_KEYS))
    if caller is None:
        return False
    callee = entities.service_of(_label(alert.labels, CALLEE_KEYS))
    return callee is not None and callee != caller


@dataclass
class StormEvidence:
    """What one group's alerts say about where its fault is; updated one alert at a time."""

    entities: EntityMap
    own_margin: float = 3.0
    first: dict[str, tuple[int, AlertRef]] = field(default_factory=dict)
    calls_in: Counter[str] = field(default_factory=Counter)
    edges: set[tuple[str, str]] = field(default_factory=set)
    own: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    own_first: dict[str, int] = field(default_factory=dict)
    standout: dict[str, tuple[float, str]] = field(default_factory=dict)  # weight, entity
    entity_first: dict[str, tuple[int, AlertRef]] = field(default_factory=dict)
    entity_calls_in: dict[str, Counter[str]] = field(default_factory=dict)
    _dirty: set[str] = field(default_factory=set)  # services whose standout is stale

    @property
    def active(self) -> bool:
        """A storm: at least one anomalous call between two different services."""
        return bool(self.edges)

    def add(self, seq: int, alert: AlertFacts) -> None:
        labels = alert.labels
        caller = self.entities.service_of(_label(labels, CALLER_KEYS))
        callee_label = _label(labels, CALLEE_KEYS)
        callee = self.entities.service_of(callee_label)
        entity_label = _label(labels, ENTITY_KEYS)
        service = alert.service or callee or self.entities.service_of(entity_label)
        if service is None:
            return
        if alert.service:
            self.entities.learn((alert.service,))
        self.first.setdefault(service, (seq, alert.id))
        call = bool(caller and callee)
        entity = ((callee_label if call else entity_label) or service).lower()
        self.entity_first.setdefault(entity, (seq, alert.id))
        if call:
            if caller != callee and callee is not None:
                self.first.setdefault(callee, (seq, alert.id))
                self.calls_in[callee] += 1
                self.entity_calls_in.setdefault(callee, Counter())[entity] += 1
                self.edges.add((caller or "", callee))
            return
        self.own.setdefault(service, {}).setdefault(entity, set()).add(alert.name)
        self.own_first.setdefault(service, seq)
        self._dirty.add(service)

    def elect(self, topology: Topology) -> tuple[str, str | None] | None:
        """The root service and, when the evidence singles one out, its entity; ``None`` when
        this is not a storm."""
        if not self.active:
            return None
        for service in self._dirty:
            self.standout[service] = _standout(self.own[service])
        self._dirty.clear()
        own = {s: w for s, (w, _) in self.standout.items() if w >= self.own_margin}
        if own:
            service = max(own, key=lambda s: (own[s], -self.own_first[s]))
            return service, self.standout[service][1]
        if not self.calls_in:
            return None
        top = max(self.calls_in.values())
        tied = [s for s, n in self.calls_in.items() if n == top]
        service = min(
            tied, key=lambda s: (-self._depends_on_it(s, tied, topology), self.first[s][0])
        )
        per_entity = self.entity_calls_in.get(service, Counter())
        entity = (
            max(per_entity, key=lambda e: (per_entity[e], -self.entity_first[e][0]))
            if per_entity
            else None
        )
        return service, entity

    def root(self, topology: Topology) -> AlertRef | None:
        """The first alert on the elected entity, else on the elected service."""
        elected = self.elect(topology)
        if elected is None:
            return None
        service, entity = elected
        if entity is not None and entity in self.entity_first:
            return self.entity_first[entity][1]
        return self.first[service][1]

    def _depends_on_it(self, service: str, others: list[str], topology: Topology) -> int:
        """How many of ``others`` call or depend on ``service`` (graph: alerts + topology)."""
        return sum(
            1
            for o in others
            if o != service and ((o, service) in self.edges or service in topology.upstream(o))
        )


def _standout(per_entity: dict[str, set[str]]) -> tuple[float, str]:
    """The entity whose distinct anomalies most exceed its siblings' median, and by how much.
    That is the busiest entity (the first one on ties): removing the largest count leaves the
    smallest median of the rest."""
    busiest = max(per_entity, key=lambda e: len(per_entity[e]))
    siblings = [len(names) for e, names in per_entity.items() if e != busiest]
    return len(per_entity[busiest]) - (median(siblings) if siblings else 0), busiest
