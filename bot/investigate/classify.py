"""Query or incident → incident class, secondary classes, playbooks and target services.

Rules only (fast, offline, deterministic): playbook triggers are matched against the words of
the query / alert names and summaries, the signals of the alerts' metrics and the platforms of
the targets; targets are resolved against the service graph. ``llm.refine`` may adjust the
result when a Claude key is configured.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.errors import UserError
from bot.investigate.context import InvestigationContext
from bot.investigate.models import Classification
from bot.investigate.names import resolve_names
from bot.investigate.playbook_schema import Playbook
from bot.investigate.primitives.base import word_in
from bot.investigate.primitives.signals import metric_signal
from bot.investigate.resolve import resolve

_WIDE = re.compile(r"\b(prod|production|all|every|account|cluster|fleet|everything|any)\b", re.I)


@dataclass(frozen=True)
class AlertView:
    name: str
    service: str | None = None
    summary: str = ""
    severity: str = "warning"
    labels: dict[str, str] = field(default_factory=dict)
    metric: str | None = None  # a metric key of the catalogue, when the alert links one
    id: str | None = None
    status: str = "firing"


@dataclass(frozen=True)
class InvestigationTarget:
    """What an investigation looks at: the alerts of an incident (or of a scenario), its root
    alert and title. (``bot.incidents.models.IncidentView`` is the incident as the domain reads
    it; ``handlers.blocks.models.IncidentCard`` is what a Slack message shows.)"""

    alerts: Sequence[AlertView]
    root_alert: AlertView | None = None
    title: str = ""


def _signals(ctx: InvestigationContext, alerts: Sequence[AlertView]) -> set[str]:
    keys = {a.metric for a in alerts if a.metric}
    return {
        metric_signal(r.namespace, r.name) for r in ctx.evidence.metric_catalog() if r.key in keys
    }


def capabilities(playbooks: Sequence[Playbook], ctx: InvestigationContext | None = None) -> str:
    titles = ", ".join(b.title for b in playbooks if not b.always)
    services = ", ".join(ctx.topology.names()) if ctx else ""
    text = f"I can investigate: {titles}."
    if services:
        text += f" Known services: {services}."
    return text + ' Try e.g. "API latency spike in prod" or "pod crashlooping on <service>".'


def _score(book: Playbook, text: str, names: str, signals: set[str], kinds: set[str]) -> float:
    t = book.triggers
    score = 0.0
    score += sum(1.0 for k in t.keywords if k.lower() in text)
    score += sum(1.0 for a in t.alert_names if a.lower() in names)
    score += 0.75 * len(signals & set(t.signals))
    if t.service_kinds and kinds & set(t.service_kinds) and score > 0:
        score += 0.5
    return score


def classify(
    ctx: InvestigationContext,
    playbooks: Sequence[Playbook],
    *,
    query: str = "",
    incident: InvestigationTarget | None = None,
) -> Classification:
    alerts = list(incident.alerts) if incident else []
    text = " ".join([query, *(f"{a.name} {a.summary}" for a in alerts)]).lower()
    names = " ".join(
        re.sub(r"[^a-z0-9]+", "", a.name.lower()) + " " + a.name.lower() for a in alerts
    )
    if not text.strip():
        raise UserError(
            "Nothing to investigate: the query is empty. " + capabilities(playbooks, ctx)
        )
    topo = ctx.topology
    targets: list[str] = []
    assumed = ""
    for a in alerts:
        if a.service and a.service in topo.services and a.service not in targets:
            targets.append(a.service)
    for node in topo.services.values():
        if node.name not in targets and (
            word_in(node.name, query) or word_in(node.resource, query)
        ):
            targets.append(node.name)
    unknown: list[str] = []
    if not alerts:  # pods, shorter names, namespaces, close spellings (bot.investigate.names)
        keywords = [k.lower() for b in playbooks for k in b.triggers.keywords]
        named = resolve_names(topo, query, ignore=keywords)
        targets += [s for s in named.services if s not in targets]
        assumed = named.assumed
        unknown = [w for w in named.unknown if not any(w in k for k in keywords)]
    signals = _signals(ctx, alerts)
    kinds = {n.kind for s in targets if (n := topo.get(s))}
    scored = sorted(
        (
            (s, b)
            for b in playbooks
            if not b.always
            if (s := _score(b, text, names, signals, kinds)) > 0
        ),
        key=lambda sb: -sb[0],
    )
    if not alerts and not targets:
        # a question that names no service is matched by its words, else it is about what
        # alerts now, else about everything; never refused (only a world with no service at
        # all is), and the answer says which
        resolution = resolve(ctx, query)
        if not resolution.services and not scored:  # no service, no playbook: nothing to read
            raise UserError(
                f"Nothing to investigate {query!r} in: no service is known and nothing is "
                "alerting. Describe the services (AIOPS_TOPOLOGY_FILE, or inventory: Kubernetes "
                "or AWS access) or send alerts, then ask again. " + capabilities(playbooks, ctx)
            )
        # with no service graph (and playbooks matched) the playbooks' own reads still run
        if (
            resolution.services
            and resolution.how != "words"
            and _WIDE.search(query)
            and not unknown
        ):
            targets = topo.names()
        elif resolution.services:
            targets, assumed = resolution.services, resolution.assumed
            if unknown:
                assumed = f"{unknown[0]!r} matches no service, pod or namespace I know. " + assumed
    if alerts and not targets:  # alerts that name no known service: look at everything
        targets = topo.names()
    selected = [b for _, b in scored[:4]]
    classes = list(dict.fromkeys(b.incident_class for b in selected))
    incident_class = classes[0] if classes else "unknown"
    reason = ", ".join(f"{b.name}={s:.1f}" for s, b in scored[:4]) or "no trigger matched"
    top = scored[0][0] if scored else 0.0
    return Classification(
        incident_class=incident_class,
        secondary=classes[1:],
        playbooks=[b.name for b in selected],
        targets=targets,
        confidence=round(min(0.95, 0.4 + 0.1 * top), 2),
        reason=reason,
        assumed=assumed,
    )
