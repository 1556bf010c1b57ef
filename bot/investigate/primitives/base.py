"""What every diagnostic primitive receives and returns."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.investigate.context import InvestigationContext
from bot.investigate.models import Finding


@dataclass(frozen=True)
class Scope:
    """The services an investigation looks at and its time window."""

    services: tuple[str, ...]
    start: datetime
    end: datetime
    long_start: datetime
    query: str = ""
    hints: dict[str, Any] = field(default_factory=dict)


Primitive = Callable[[InvestigationContext, Scope, dict[str, Any]], list[Finding]]


def minutes_ago(ctx: InvestigationContext, when: datetime | None) -> float | None:
    if when is None:
        return None
    return round((ctx.now() - when).total_seconds() / 60.0, 1)


def ago_text(minutes: float | None) -> str:
    if minutes is None:
        return "at an unknown time"
    if minutes < 90:
        return f"{minutes:.0f} min ago"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h ago"
    return f"{minutes / 1440:.1f} d ago"


def name_pattern(token: str) -> re.Pattern[str] | None:
    """``token`` as a whole name, whatever its case and separators: ``payments-api`` also
    matches ``payments_api``, ``Payments.API`` and ``PaymentsApi``; ``opensearch`` matches
    ``OpenSearch``. Not inside a longer name."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", token) if p]
    if not parts:
        return None
    body = r"[-_. ]?".join(re.escape(p) for p in parts)
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", re.IGNORECASE)


def word_in(token: str, text: str) -> bool:
    """``token`` appears in ``text`` as a whole name (not inside a longer name), ignoring case
    and the separator between its parts (``name_pattern``)."""
    pattern = name_pattern(token)
    return pattern is not None and pattern.search(text) is not None


def owner_by_words(ctx: InvestigationContext, text: str) -> str | None:
    """The service whose name or resource appears in ``text`` as a whole word (longest wins)."""
    best: tuple[int, str] | None = None
    for node in ctx.topology.services.values():
        for token in (node.name, node.resource):
            if word_in(token, text) and (best is None or len(token) > best[0]):
                best = (len(token), node.name)
    return best[1] if best else None


def alert_owner(scope: Scope, token: str) -> str | None:
    """The service whose incident alerts name ``token`` (a domain, a user) as a whole word."""
    texts = scope.hints.get("alert_text") or {}
    if not token:
        return None
    # not inside a longer name, nor the tail of a longer domain (example.net in api.example.net)
    pattern = re.compile(rf"(?<![\w.-]){re.escape(token)}(?![\w-])")
    for service, text in texts.items():
        if pattern.search(text):
            return str(service)
    return None


def fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def pod_owner(ctx: InvestigationContext, namespace: str, pod: str) -> str | None:
    """The deployment-backed service a pod name belongs to (``<deployment>-<hash>-<id>``)."""
    best: tuple[int, str] | None = None
    for node in ctx.topology.services.values():
        if (
            node.kind == "k8s_deployment"
            and node.namespace in (namespace, None)
            and (pod == node.resource or pod.startswith(node.resource + "-"))
            and (best is None or len(node.resource) > best[0])
        ):
            best = (len(node.resource), node.name)
    return best[1] if best else None
