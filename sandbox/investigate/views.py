"""Build an ``InvestigationTarget`` from a scenario's alerts (replays, the CLI and the bench)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.investigate.classify import AlertView, InvestigationTarget


def alert_view(alert: Any) -> AlertView:
    return AlertView(
        name=alert.name,
        service=alert.service,
        summary=alert.summary,
        severity=alert.severity,
        labels=dict(alert.labels),
        metric=alert.metric,
        id=alert.id,
        status=alert.status,
    )


def incident_view(alerts: Sequence[Any], root_id: str | None = None) -> InvestigationTarget:
    views = [alert_view(a) for a in alerts]
    root = next((v for v in views if v.id == root_id), views[0] if views else None)
    title = root.summary or root.name if root else ""
    return InvestigationTarget(alerts=views, root_alert=root, title=title)
