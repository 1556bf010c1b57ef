"""Storm verdicts, one per basis (``change``, ``own``, ``lead``, ``calls``/``own+calls``): pure
functions over what ``bot.correlate.storm.StormEvidence`` gathered, which tries them in that
order; the rules they apply are in ``bot.correlate.elect``, their words in
``bot.correlate.explain``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from bot.correlate.elect import (
    StormVerdict,
    corroborated,
    earlier_own,
    later_last,
    leaders,
    rank,
    share_confidence,
    standout,
)
from bot.correlate.explain import (
    blamed,
    caller_why,
    calls_why,
    change_why,
    lead_why,
    own_why,
    per_caller_why,
)
from bot.topology import Topology

if TYPE_CHECKING:
    from bot.correlate.storm import StormEvidence


def by_change(
    changes: Mapping[str, tuple[datetime, int]],
    own: Mapping[str, object],  # services with anomalies of their own
    first_symptom: datetime | None,
    blame: Mapping[str, float],
    depends: Callable[[str], int],
    topology: Topology,
) -> StormVerdict | None:
    """A deploy, rollout or configuration change made no later than the storm's first symptom,
    on a service the storm implicates or one of their dependencies (``changes``: service →
    (when, arrival order); ``blame``: the call blame per service). Several: the more blamed,
    then the one the others depend on, then the first."""
    implicated = set(blame) | set(own)
    near = {d for s in implicated for d in topology.upstream(s)}
    before = {
        s
        for s, (at, _) in changes.items()
        if (first_symptom is None or at <= first_symptom) and (s in implicated or s in near)
    }
    if not before:
        return None
    order = rank(
        {s: blame.get(s, 0.0) + 1.0 for s in before}, depends, {s: changes[s][1] for s in before}
    )
    top = order[0]
    return StormVerdict(
        service=top,
        entity=None,
        basis="change",
        confidence=0.8 if len(order) == 1 else 0.6,
        runner_up=order[1] if len(order) > 1 else None,
        why=change_why(top, changes[top][0], first_symptom),
    )


def by_lead(ev: StormEvidence, blame: dict[str, float], topology: Topology) -> StormVerdict | None:
    """An entity whose own cause anomaly came ``lead`` or more before the storm's first
    symptom: a cause precedes its symptoms (see ``elect.leaders``)."""
    start = min(ev.symptom_at.values(), default=None)
    if start is None:
        return None
    near = {d for s in blame for d in topology.upstream(s)}
    before = start - ev.config.storm_lead
    found = leaders(ev.own_at, ev.entity_service, before, set(blame) | near, ev.own)
    if not found:
        return None
    entity, at, service = found[0]
    others = sorted({s for _, _, s in found if s != service})
    return StormVerdict(
        service=service,
        entity=entity,
        basis="lead",
        confidence=0.55 if not others else 0.35,
        runner_up=others[0] if others else None,
        why=lead_why(entity, ev.own[service][entity], at, start, others),
    )


def by_own(
    ev: StormEvidence, blame: dict[str, float], depends: Callable[[str], int]
) -> StormVerdict | None:
    found = {s: standout(per) for s, per in ev.own.items() if per}
    strong = {s: w for s, (w, _) in found.items() if w >= ev.config.storm_own_margin}
    if not strong:
        return None
    order = later_last(
        rank(strong, depends, ev.evidence_first, ev.seen),
        {s: ev.own_at.get(found[s][1]) for s in strong},
        ev.config.storm_lead,
    )
    top = order[0]
    weight, entity = found[top]
    second = strong[order[1]] if len(order) > 1 else 0.0
    confidence = min(0.8, 0.5 + 0.05 * (weight - ev.config.storm_own_margin))
    if second >= weight:
        confidence = 0.35
    earlier = earlier_own(
        {s: (w, ev.own_at.get(e)) for s, (w, e) in found.items()},
        top,
        ev.config.storm_early_margin,
    )
    if earlier is not None and earlier[1] >= ev.config.storm_lead:  # cause precedes effect
        runner = top
        top = earlier[0]
        weight, entity = found[top]
        confidence = 0.4  # it stands out less than the one it overturns
        order = [top, runner]
    return StormVerdict(
        service=top,
        entity=entity,
        basis="own",
        confidence=round(confidence, 2),
        runner_up=order[1] if len(order) > 1 else None,
        why=_own_words(ev, top, entity, weight),
    )


def _own_words(ev: StormEvidence, service: str, entity: str, weight: float) -> str:
    """Why ``entity``'s own anomalies (standing out by ``weight``) elected ``service``."""
    own = ev.own[service]
    first_symptom = min(ev.symptom_at.values(), default=None)
    return own_why(entity, own[entity], len(own) - 1, weight, ev.own_at.get(entity), first_symptom)


def by_calls(
    ev: StormEvidence,
    blame: dict[str, float],
    per_entity: dict[str, float],
    depends: Callable[[str], int],
    topology: Topology,
) -> StormVerdict | None:
    """Blame over the calls, with each service's own anomalies that stand out of its
    replicas (below the ``own`` margin) added (``elect.corroborated``): a shared callee with
    nothing of its own does not win over a service whose own pods are anomalous, unless
    the calls point at it clearly more."""
    if not blame:
        return None
    stand = {s: standout(per) for s, per in ev.own.items() if per}
    callers: dict[str, set[str]] = {}
    for a, b in ev.edges:
        callers.setdefault(b, set()).add(a)

    def fan_in(s: str) -> int:
        return len(callers.get(s, set()) | topology.downstream(s, 1))

    own = {s: w for s, (w, _) in stand.items()}
    c = ev.config
    scores = corroborated(blame, own, fan_in, c.storm_own_weight, c.storm_fan_in_power)
    order = rank(scores, depends, ev.evidence_first, ev.seen)
    top = order[0]
    leader = rank(blame, lambda _: 0, ev.evidence_first, ev.seen)[0]
    runner_up = leader if top != leader else (order[1] if len(order) > 1 else None)
    second = blame.get(runner_up, 0.0) if runner_up else 0.0
    confidence = share_confidence(scores[top], scores[order[1]] if len(order) > 1 else 0.0)
    if top != leader:
        confidence = min(confidence, 0.35)  # the raw blame names another: less sure
    if top != leader and own.get(top, 0.0) > 0:  # its own anomalies decided
        weight, pod = stand[top]
        why = _own_words(ev, top, pod, weight)
        why += f"; {blamed(blame.get(top, 0.0), leader, blame[leader])}"
        return StormVerdict(top, pod, "own+calls", confidence, leader, why)
    mine = [e for e in per_entity if ev.entity_service.get(e) == top]
    held = {e: per_entity[e] for e in mine if e != top.lower()}
    entity = root_entity(ev, top, held)
    why = _calls_why(ev, top, mine, blame[top], runner_up, second)
    if top != leader:
        why += per_caller_why(top, fan_in(top), leader, fan_in(leader))
    return StormVerdict(top, entity, "calls", confidence, runner_up, why)


def root_entity(ev: StormEvidence, service: str, held: Mapping[str, float]) -> str | None:
    """The replica of the elected ``service`` its root alert is taken from, when the evidence
    singles one out: the replica whose own cause anomalies began first, alone (a cause precedes
    its symptoms; replicas that all shift in the same second are a fault of the service), else
    the one holding ``storm_entity_share`` of the call blame its replicas hold (``held``: the
    share of client spans that name no replica is nobody's); else ``None``."""
    began = {
        e: at
        for e in ev.own.get(service, {})
        if e != service.lower() and (at := ev.own_at.get(e)) is not None
    }
    if began:
        first = min(began, key=lambda e: began[e])
        if sum(at == began[first] for at in began.values()) == 1:
            return first
    if not held:
        return None
    top = max(held, key=lambda e: (held[e], -ev.entity_first.get(e, (1 << 62, ""))[0]))
    return top if held[top] >= ev.config.storm_entity_share * sum(held.values()) else None


def _calls_why(
    ev: StormEvidence, top: str, mine: list[str], held: float, runner_up: str | None, second: float
) -> str:
    kept = ev.kept
    if sum(kept.get(e, 0.0) for e in mine) * 2 > held:  # blamed as the common caller
        deps = {ev.entity_service.get(c) for e in mine for c in ev.out_calls.get(e, ())}
        return caller_why(top, sorted(d for d in deps if d), held, runner_up, second)
    return calls_why(
        top,
        (c for e in mine for c, _ in ev.vantage.get(e, ())),
        ev.symptom_at.get(top),
        any(e in ev.out_calls for e in mine),
        held,
        runner_up,
        second,
    )
