"""Classification → a plan: the scope (targets and their dependencies) and the deduplicated
diagnostic steps of the selected playbooks plus the always-on triage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.investigate.context import InvestigationContext
from bot.investigate.models import Classification
from bot.investigate.playbook_schema import Playbook
from bot.investigate.primitives.base import Scope


@dataclass(frozen=True)
class PlannedStep:
    name: str
    primitive: str
    params: dict[str, Any]
    playbook: str


@dataclass(frozen=True)
class Plan:
    scope: Scope
    steps: list[PlannedStep]
    playbooks: list[str]


def make_scope(
    ctx: InvestigationContext,
    targets: Sequence[str],
    *,
    query: str = "",
    now: datetime | None = None,
    hints: dict[str, Any] | None = None,
) -> Scope:
    services: list[str] = []
    direct_callers = [
        n.name for t in targets for n in ctx.topology.services.values() if t in n.depends_on
    ]
    for t in targets:
        for s in [t, *ctx.topology.dependencies(t)]:
            if s not in services:
                services.append(s)
    for s in direct_callers:  # their symptoms are evidence about the targets
        if s not in services:
            services.append(s)
    end = now or ctx.now()
    return Scope(
        services=tuple(services),
        start=end - ctx.lookback,
        end=end,
        long_start=end - ctx.long_lookback,
        query=query,
        hints=hints or {},
    )


def alert_texts(alerts: Sequence[Any]) -> dict[str, str]:
    """Service -> the words of its alerts (name, summary, label values), so that primitives can
    bind an account-level finding (a certificate's domain, an IAM user) to the service whose
    alert names it."""
    out: dict[str, str] = {}
    for a in alerts:
        service = getattr(a, "service", None)
        if not service:
            continue
        labels = " ".join(str(v) for v in (getattr(a, "labels", None) or {}).values())
        words = f"{getattr(a, 'name', '')} {getattr(a, 'summary', '')} {labels}"
        out[service] = f"{out.get(service, '')} {words}".strip()
    return out


def make_plan(
    ctx: InvestigationContext,
    playbooks: Sequence[Playbook],
    classification: Classification,
    *,
    query: str = "",
    alerts: Sequence[Any] = (),
) -> Plan:
    chosen = [b for b in playbooks if b.always or b.name in classification.playbooks]
    steps: list[PlannedStep] = []
    seen: set[tuple[str, str]] = set()
    for book in chosen:
        for step in book.steps:
            key = (step.primitive, repr(sorted(step.params.items())))
            if key in seen:
                continue
            seen.add(key)
            steps.append(
                PlannedStep(
                    step.name or step.primitive, step.primitive, dict(step.params), book.name
                )
            )
    hints = {"alert_text": alert_texts(alerts)} if alerts else None
    scope = make_scope(ctx, classification.targets, query=query, hints=hints)
    return Plan(scope=scope, steps=steps, playbooks=[b.name for b in chosen])
