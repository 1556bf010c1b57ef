"""What a kind of change can cause: a change that can produce the symptom seen, just before it,
where that change's effect shows, is the cause.

``relevance`` asks whether a change *may* explain a symptom; this asks which changes *do*, from
data (``effects`` in ``playbooks/reasoning/change_relevance.yaml``): each effect says which
changes it covers (their kind, words of their object or keys), what symptom they can produce,
and where it shows — on the changed service itself (its own configuration) or on the services
that call it (a network policy or security group in front of it drops or refuses their
connections, while it looks healthy). A change whose effect shows within the window after it,
and that passes the three relevance tests, gives the changed service a hypothesis citing the
change and the symptoms; an existing hypothesis of the same kind and service is raised to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from bot.investigate.context import Topology
from bot.investigate.explains import rank_below
from bot.investigate.fallback import Failing
from bot.investigate.interpret import matches
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning_data import ChangeEffect, ChangeRelevance, change_relevance
from bot.investigate.relevance import unrelated_reason

PLAYBOOK = "reasoning:change_effects"
MAX_SYMPTOMS = 3


def change_text(change: Finding) -> str:
    """Everything a change says about what it touched: label, event, object, keys, details."""
    values = [str(v) for v in change.attrs.values() if isinstance(v, str)]
    return " ".join([change.summary, *values])


def effects_of(change: Finding, rules: ChangeRelevance) -> list[ChangeEffect]:
    """The effects whose ``kinds`` and ``text`` hold for ``change``, in their order: the first is
    the change's effect, unless it reads the changed service itself (``at: self``) and its symptom
    does not show, when the next one is tried."""
    kind = str(change.attrs.get("kind") or "")
    text = change_text(change)
    return [
        effect
        for effect in rules.effects
        if (not effect.kinds or kind in effect.kinds)
        and (effect.text is None or re.search(effect.text, text))
    ]


def namespace_services(change: Finding, topo: Topology) -> list[str]:
    """The services running in the namespace a change was made in (its ``namespace``, else the
    changed service's): a namespace-wide object (a ResourceQuota) touches every workload there."""
    node = topo.get(change.service or "")
    namespace = change.attrs.get("namespace") or (node.namespace if node else None)
    if not namespace:
        return []
    return [n.name for n in topo.services.values() if n.namespace == namespace]


def _sites_hit(change: Finding, effect: ChangeEffect, shown: Sequence[Finding]) -> list[str]:
    """Where the hypothesis goes: the changed service, or (``at: namespace``) each workload of
    the namespace that shows the symptom, the change bound to it."""
    if effect.at != "namespace":
        return [change.service] if change.service else []
    return sorted({f.service for f in shown if f.service})


def _callers(service: str, topo: Topology) -> list[str]:
    return [name for name in topo.names() if service in topo.depends_on(name)]


def symptoms_of(
    change: Finding,
    effect: ChangeEffect,
    findings: Sequence[Finding],
    failing: Sequence[Failing],
    topo: Topology,
    grace_minutes: float,
) -> list[Finding]:
    """The findings that show ``effect`` where it shows, within its window after ``change``."""
    service = change.service or ""
    if effect.at == "namespace":
        sites = set(namespace_services(change, topo))
    elif effect.at == "self":
        sites = {service}
    else:
        sites = set(_callers(service, topo))
    if effect.symptoms:
        seen = [
            f
            for f in findings
            if f.service in sites or (effect.at == "callers" and f.attrs.get("mentions") == service)
            for m in effect.symptoms
            if f.service and matches(m, f, f.service, topo)
        ]
    else:
        seen = [f for fail in failing if fail.service in sites for f in fail.findings]
    if change.at is None:
        return []
    early = change.at - timedelta(minutes=grace_minutes)
    late = change.at + timedelta(minutes=effect.window_minutes)
    ago = change.attrs.get("minutes_ago")
    # a state with no time of its own (a pod's state) holds now: inside the window when the
    # change is no older than the window
    now_in = isinstance(ago, int | float) and ago <= effect.window_minutes
    out: list[Finding] = []
    for f in seen:
        when = early <= f.at <= late if f.at is not None else now_in
        if when and f is not change and f not in out:
            out.append(f)
    return out


def apply(
    hypotheses: Sequence[Hypothesis],
    findings: Sequence[Finding],
    failing: Sequence[Failing],
    topo: Topology,
) -> list[Hypothesis]:
    """Hypotheses for changes whose effect shows; existing ones of the same kind and service are
    raised in place. Returns the hypotheses added."""
    rules = change_relevance()
    added: dict[tuple[str, str], Hypothesis] = {}
    for found in findings:
        if found.type != FindingType.CHANGE:
            continue
        for effect in effects_of(found, rules):
            if not found.service and effect.at != "namespace":
                continue
            every = symptoms_of(found, effect, findings, failing, topo, rules.grace_minutes)
            if every:
                _hit(found, effect, every, findings, failing, topo, hypotheses, added, rules)
            # a reading of the changed service itself that does not show gives way to the next
            # one; an effect elsewhere (its callers, its namespace) is the change's whether or not
            if every or effect.at != "self":
                break
    return list(added.values())


def _hit(
    found: Finding,
    effect: ChangeEffect,
    every: Sequence[Finding],
    findings: Sequence[Finding],
    failing: Sequence[Failing],
    topo: Topology,
    hypotheses: Sequence[Hypothesis],
    added: dict[tuple[str, str], Hypothesis],
    rules: ChangeRelevance,
) -> None:
    """``found``'s ``effect`` shows (``every``): a hypothesis at each site it hits."""
    for service in _sites_hit(found, effect, every):
        change = (
            found if found.service == service else found.model_copy(update={"service": service})
        )
        shown = [f for f in every if effect.at != "namespace" or f.service == service]
        if not shown or unrelated_reason(change, findings, failing, topo, rules):
            continue
        cause = _raise_or_add(change, effect, shown, hypotheses, added)
        if effect.explains_peers:
            _explain_peers(change, cause, effect, findings, failing, topo, hypotheses, added, rules)


def _explain_peers(
    change: Finding,
    cause: Hypothesis,
    effect: ChangeEffect,
    findings: Sequence[Finding],
    failing: Sequence[Failing],
    topo: Topology,
    hypotheses: Sequence[Hypothesis],
    added: dict[tuple[str, str], Hypothesis],
    rules: ChangeRelevance,
) -> None:
    """The readings of ``explains`` on the services that share a dependency with the changed
    one and show the same symptom after the change rank below its hypothesis (``cause``)."""
    service = change.service or ""
    shared = set(topo.depends_on(service))
    if not shared:
        return
    why = f"explained by {service}'s {_label(change)}: the same waits began right after it"
    for peer in topo.names():
        if peer == service or not shared & set(topo.depends_on(peer)):
            continue
        moved = change.model_copy(update={"service": peer})
        if not symptoms_of(moved, effect, findings, failing, topo, rules.grace_minutes):
            continue
        for h in [*hypotheses, *added.values()]:
            if h.service == peer and h.kind in effect.explains:
                rank_below(h, cause.confidence, effect.margin, why)


def _label(change: Finding) -> str:
    """How a change is named in a hypothesis: the object it touched, else its label."""
    return str(change.attrs.get("object") or change.attrs.get("label") or "a change")


def _raise_or_add(
    change: Finding,
    effect: ChangeEffect,
    shown: Sequence[Finding],
    hypotheses: Sequence[Hypothesis],
    added: dict[tuple[str, str], Hypothesis],
) -> Hypothesis:
    """The change's hypothesis (added, or an existing one raised); what it explains on the
    changed service ranks below it."""
    service = change.service or ""
    sites = sorted({f.service for f in shown if f.service})
    label = _label(change)
    because = effect.because.format(service=service, change=label, sites=", ".join(sites))
    evidence = [change.summary, *(f.summary for f in shown[:MAX_SYMPTOMS])]
    key = (effect.kind, service)
    same = next((h for h in hypotheses if (h.kind, h.service) == key), None) or added.get(key)
    if same is not None:
        same.confidence = max(same.confidence, effect.confidence)
        same.evidence = list(dict.fromkeys([*evidence, *same.evidence]))
        if because not in same.summary:
            same.summary = f"{same.summary.rstrip('.')}. {because}"
    else:
        same = added[key] = Hypothesis(
            kind=effect.kind,
            service=service,
            confidence=effect.confidence,
            summary=because,
            evidence=evidence,
            change=str(change.attrs.get("label")),
            playbook=PLAYBOOK,
        )
    for h in [*hypotheses, *added.values()]:
        if h.service == service and h.kind in effect.explains:
            rank_below(h, same.confidence, effect.margin, f"explained by {label}: {because}")
    return same
