"""The evidence of a detector storm, gathered one alert at a time, and its root.

Anomaly detectors over traces, metrics and logs fire on nearly every service of a system within
seconds of one fault; "the first alert" or "the most upstream alerting service" then names a
bystander. A group becomes a *storm* once it holds an alert on a traced call between two
different services. Each alert then adds to one of three kinds of evidence, tied to services
through ``EntityMap`` (pods, replicas, detector entities → services):

- **an anomalous call** ``caller → callee`` (``caller``/``callee`` labels naming two services;
  read by ``bot.correlate.calls``).
  When both ends are the caller itself (a client-side span), the ``operation`` label names what
  was called (``pkg.CartService/GetCart`` → ``cartservice``): it is a call into that service
  seen from the caller. A client span that names nothing known stays the caller's symptom.
- **an anomaly of the entity's own** (a metric or log anomaly on a pod or service), weighed by its
  role in ``playbooks/storms/alert_roles.yaml``: a cause (resource, crash, error line) or a
  symptom (latency, error rate) or routine (an informational log line), which weigh nothing.
- **a change** (deploy, rollout, configuration) on a service, with its time.

``elect`` turns the evidence into a ``StormVerdict``: one verdict per basis
(``bot.correlate.verdicts``, by the rules of ``bot.correlate.elect``, with the weights of
``playbooks/storms/election.yaml``). The root alert is the first alert on the elected entity,
else on the elected service. Groups with no call keep the structural rule of
``bot.correlate.root``; the correlator builds this evidence only once a group's first call
arrives (replaying the group's earlier alerts into it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.correlate.calls import Call, label, read_call
from bot.correlate.elect import Split, StormVerdict, carry_down
from bot.correlate.entities import EntityMap
from bot.correlate.models import (
    ENTITY_KEYS,
    KPI_KEYS,
    AlertFacts,
    AlertRef,
    CorrelationConfig,
)
from bot.correlate.verdicts import by_calls, by_change, by_lead, by_own
from bot.topology import Topology

if TYPE_CHECKING:
    from bot.correlate.roles import RoleBook
    from bot.correlate.weights import Calibration

#: a storm is elected again after each alert until it holds this many, then after every
#: ``1/RECOUNT`` more (one alert rarely moves the root of a large storm; electing on every alert
#: would make a storm's cost grow with the square of its size)
RECOUNT = 100


def _default_book() -> RoleBook:
    from bot.correlate.roles import roles  # pydantic and yaml load on the first storm only

    return roles()


def _calibration() -> Calibration:
    from bot.correlate.weights import calibration  # pydantic and yaml: on the first storm only

    return calibration()


def _earliest(times: dict[str, datetime], key: str, at: datetime) -> None:
    known = times.get(key)
    if known is None or at < known:
        times[key] = at


@dataclass
class StormEvidence:
    """What one group's alerts say about where its fault is; updated one alert at a time."""

    entities: EntityMap
    config: CorrelationConfig = field(default_factory=CorrelationConfig)  # the weights
    book: RoleBook = field(default_factory=_default_book)
    first: dict[str, tuple[int, AlertRef]] = field(default_factory=dict)  # alerts on a service
    entity_first: dict[str, tuple[int, AlertRef]] = field(default_factory=dict)
    evidence_first: dict[str, int] = field(default_factory=dict)  # any evidence on a service
    evidence_alert: dict[str, tuple[int, AlertRef]] = field(default_factory=dict)
    seen: Counter[str] = field(default_factory=Counter)  # alerts naming a service (ties)
    entity_service: dict[str, str] = field(default_factory=dict)
    vantage: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # callee entity
    out_calls: dict[str, Counter[str]] = field(default_factory=dict)  # caller → callee entity
    edges: set[tuple[str, str]] = field(default_factory=set)
    observed: Counter[tuple[str, str]] = field(default_factory=Counter)  # caller, callee entity
    own: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    changes: dict[str, tuple[datetime, int]] = field(default_factory=dict)
    first_symptom: datetime | None = None
    own_at: dict[str, datetime] = field(default_factory=dict)  # entity: first cause anomaly
    symptom_at: dict[str, datetime] = field(default_factory=dict)  # service: first symptom
    _verdict: StormVerdict | None = None
    _split: Split | None = None  # the blame split, kept current (see ``_split_now``)
    _split_edges: int = -1  # how many service-level edges it was split by
    _fresh: list[tuple[str, str]] = field(default_factory=list)  # vantage points since
    _added: int = 0  # alerts added
    _pending: int = 0  # alerts added since the last election

    @property
    def kept(self) -> dict[str, float]:
        """Blame each caller entity holds as the common factor of its anomalous calls."""
        return self._split.kept if self._split is not None else {}

    @property
    def active(self) -> bool:
        """A storm: at least one anomalous call between two different services."""
        return bool(self.edges)

    def add(self, seq: int, alert: AlertFacts) -> None:
        self._added += 1
        self._pending += 1
        call = read_call(alert, self.entities)
        if alert.service:
            self.entities.learn((alert.service,))
        if call is not None:
            self._add_call(seq, alert, call)
            return
        entity_label = label(alert.labels, ENTITY_KEYS)
        service = alert.service or self.entities.service_of(entity_label)
        if service is None:
            return
        entity = (entity_label or service).lower()
        self._note(seq, alert, service, entity)
        self.seen[service] += 1
        role = self.book.classify(alert.name, alert.summary, label(alert.labels, KPI_KEYS) or "")
        if role.role == "change":
            self.changes.setdefault(service, (alert.at, seq))
            return
        if role.weight > 0:
            keys = self.own.setdefault(service, {}).setdefault(entity, {})
            keys[role.key] = max(keys.get(role.key, 0.0), role.weight)
            _earliest(self.own_at, entity, alert.at)
        else:
            _earliest(self.symptom_at, service, alert.at)
        self._symptom_at(alert.at)

    def _add_call(self, seq: int, alert: AlertFacts, call: Call) -> None:
        self._symptom_at(alert.at)
        self.seen[call.callee] += 1
        self.seen[call.caller] += 1
        _earliest(self.symptom_at, call.callee, alert.at)
        if call.server:
            self._note(seq, alert, call.callee, call.callee_entity)
        else:  # a client-side span: the alert is the caller's, the evidence is on the callee
            self._note(seq, alert, call.caller, call.caller_entity)
            self.evidence_alert.setdefault(call.callee, (seq, alert.id))
            self.evidence_first.setdefault(call.callee, seq)
        if alert.service:
            self.first.setdefault(alert.service, (seq, alert.id))
        self.evidence_alert.setdefault(call.caller, (seq, alert.id))
        self.evidence_first.setdefault(call.caller, seq)
        self.entity_service[call.callee_entity] = call.callee
        self.entity_service.setdefault(call.caller_entity, call.caller)
        self.edges.add((call.caller, call.callee))
        seen = self.vantage.setdefault(call.callee_entity, set())
        point = (call.caller_entity, call.method)
        if point not in seen:
            seen.add(point)
            self.observed[(call.caller_entity, call.callee_entity)] += 1
            self._fresh.append((call.caller_entity, call.callee_entity))
            self.out_calls.setdefault(call.caller_entity, Counter())[call.callee_entity] += 1

    def _note(self, seq: int, alert: AlertFacts, service: str, entity: str) -> None:
        self.first.setdefault(service, (seq, alert.id))
        self.entity_first.setdefault(entity, (seq, alert.id))
        self.evidence_first.setdefault(service, seq)
        self.evidence_alert.setdefault(service, (seq, alert.id))
        self.entity_service.setdefault(entity, service)

    def _symptom_at(self, at: datetime) -> None:
        if self.first_symptom is None or at < self.first_symptom:
            self.first_symptom = at

    # --- election
    def verdict(self, topology: Topology) -> StormVerdict | None:
        """The elected root with its basis and confidence; ``None`` when this is not a storm.
        Up to ``RECOUNT`` alerts it is elected after each; beyond, once ``1/RECOUNT`` more have
        arrived since the last election."""
        if not self.active:
            return None
        if self._verdict is None or self._pending * RECOUNT > self._added:
            self._verdict = self._elect(topology)
            self._pending = 0
        return self._verdict

    def elect(self, topology: Topology) -> tuple[str, str | None] | None:
        """The root service and, when the evidence singles one out, its entity."""
        v = self.verdict(topology)
        return None if v is None else (v.service, v.entity)

    def root(self, topology: Topology) -> AlertRef | None:
        """The first alert on the elected entity, else on the elected service."""
        v = self.verdict(topology)
        return None if v is None else v.alert

    def _elect(self, topology: Topology) -> StormVerdict | None:
        blame, held = self._blame(topology)
        depends = self._depends_on(topology)
        verdict = (
            by_change(self.changes, self.own, self.first_symptom, blame, depends, topology)
            or by_own(self, blame, depends)
            or by_lead(self, blame, topology)
            or by_calls(self, blame, held, depends, topology)
        )
        if verdict is None:
            return None
        entity = verdict.entity
        if entity is not None and entity in self.entity_first:
            alert = self.entity_first[entity][1]
        elif verdict.service in self.first:
            alert = self.first[verdict.service][1]
        else:
            alert = self.evidence_alert[verdict.service][1]
        confidence = verdict.confidence
        if self.config.storm_calibrated:
            confidence = _calibration().confidence(verdict.basis, confidence)
        return StormVerdict(**{**verdict.__dict__, "alert": alert, "confidence": confidence})

    def _blame(self, topology: Topology) -> tuple[dict[str, float], dict[str, float]]:
        """Blame per service and per entity (see ``split_blame`` and ``carry_down``)."""
        split = self._split_now(topology)
        per_entity = carry_down(
            split.received, self.out_calls, self.config.storm_pass_down, split.kept, split.agreed
        )
        per_service: dict[str, float] = {}
        for entity, held in per_entity.items():
            service = self.entity_service.get(entity)
            if service is not None:
                per_service[service] = per_service.get(service, 0.0) + held
        return per_service, per_entity

    def _split_now(self, topology: Topology) -> Split:
        """The blame split of every vantage point: recomputed when the service-level edges
        changed (what the split depends on; they stop growing early in a storm), else brought
        up to date with the vantage points seen since the last election."""
        split = self._split
        if split is None or self._split_edges != len(self.edges):
            split = self._split = Split.of_edges(self.edges, topology)
            self._split_edges = len(self.edges)
            for (caller, callee), n in self.observed.items():
                split.add(caller, callee, n, self.entity_service)
        else:
            for caller, callee in self._fresh:
                split.add(caller, callee, 1, self.entity_service)
        self._fresh = []
        return split

    def _depends_on(self, topology: Topology) -> Callable[[str], int]:
        """How many implicated services call or depend on a service (alerts + topology)."""
        implicated = set(self.evidence_first)

        def count(s: str) -> int:
            return sum(
                1
                for o in implicated
                if o != s and ((o, s) in self.edges or s in topology.upstream(o))
            )

        return count
