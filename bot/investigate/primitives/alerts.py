"""Alert history as evidence: what the alerts of the services in scope said, resolved ones too.

A pod that was OOMKilled yesterday and is gone leaves no pod state and no log; the alerts of
that day (``PodOOMKilled``, ``KubePodCrashLooping``) still say why. Each alert of a service in
scope (the incident's own, from the plan's hints, and with a store every alert of the last
``HISTORY`` whether firing or resolved) is read through the failure-signature catalogue; a match
is an ``alert_signature`` finding (its own type, so that the playbooks' log rules do not count
an alert twice), whose source names the alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from bot.investigate.context import InvestigationContext
from bot.investigate.finding_types import AttrValue
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Scope, ago_text, minutes_ago
from bot.investigate.signatures import match_line
from bot.investigate.sources import PastAlert

HISTORY = timedelta(hours=48)  # how far back resolved alerts still count as evidence
_LEVEL = {"critical": "CRITICAL", "error": "ERROR", "warning": "WARNING", "info": "INFO"}


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def stored_alerts(ctx: InvestigationContext, scope: Scope) -> list[PastAlert]:
    """Alerts of the services in scope since ``HISTORY`` ago, firing or resolved: from the
    store, or where there is none from the context's ``past_alerts``."""
    if not scope.services:
        return []
    since = max(scope.long_start, scope.end - HISTORY)
    if ctx.store is None:
        if ctx.past_alerts is None:
            return []
        return ctx.past_alerts(scope.services, since, scope.end)
    from sqlmodel import Session, col, select

    from bot.store.models import Alert

    with Session(ctx.store.engine) as session:
        rows = session.exec(
            select(Alert)
            .where(col(Alert.service).in_(scope.services), col(Alert.starts_at) >= since)
            .order_by(col(Alert.starts_at))
        ).all()
        return [
            PastAlert(str(r.service), r.name, r.summary, r.severity, r.status, _aware(r.starts_at))
            for r in rows
        ]


def _hinted(scope: Scope) -> list[PastAlert]:
    texts = scope.hints.get("alert_text") or {}
    return [
        PastAlert(str(service), "alert", str(text), "warning", "firing", None)
        for service, text in texts.items()
        if service in scope.services
    ]


def alert_findings(ctx: InvestigationContext, alerts: Iterable[PastAlert]) -> list[Finding]:
    """One finding per (service, signature) the alerts' words match, with how many said it."""
    found: dict[tuple[str, str], tuple[PastAlert, int, dict[str, AttrValue]]] = {}
    for alert in alerts:
        matched = match_line(f"{alert.name} {alert.summary}")
        if matched is None:
            continue
        attrs = matched.finding_attrs()
        key = (alert.service, str(attrs.get("signature")))
        first, count, _ = found.get(key, (alert, 0, attrs))
        found[key] = (first, count + 1, attrs)
    out = []
    for (service, _), (alert, count, attrs) in found.items():
        ago = minutes_ago(ctx, alert.at) if alert.at else None
        said = f"{alert.name}: {alert.summary}".strip(": ")
        state = "resolved since" if alert.status == "resolved" else alert.status
        out.append(
            Finding(
                type=FindingType.ALERT_SIGNATURE,
                service=service,
                source=f"alert:{alert.name}",
                at=alert.at,
                summary=f'{service}: {count} alert(s) like "{said[:160]}" '
                f"({state}, {ago_text(ago)})",
                attrs={
                    **attrs,
                    "count": count,
                    "level": _LEVEL.get(alert.severity.lower(), "WARNING"),
                    "first_seen_min_ago": ago,
                    "example": said[:300],
                    "log_source": f"alert:{alert.name}",
                },
            )
        )
    return out


def history(ctx: InvestigationContext, scope: Scope, params: dict[str, object]) -> list[Finding]:
    return alert_findings(ctx, [*_hinted(scope), *stored_alerts(ctx, scope)])


PRIMITIVES = {"alerts.history": history}
