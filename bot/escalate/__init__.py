"""Escalation: policies, durable timers claimed by any replica, and the hooks incident flows call.

Wiring (``aiops run`` or a test) calls ``configure(paging)``; without it the first hook builds a
``Paging`` from the settings. The hooks:

- ``on_incident_opened(incident) -> int``: rule notifications + escalation timers (count created)
- ``on_incident_acknowledged(incident, source)``: cancel pending levels; ack PagerDuty unless
  the ack came from PagerDuty (``source == "pagerduty"``)
- ``on_incident_resolved(incident, source)``: same, resolving
- ``snooze(incident_id, until, by=...)``: silence notifications, push pending levels later
"""

from __future__ import annotations

import threading
from datetime import datetime

from bot.escalate.flows import Paging
from bot.store import Incident

_lock = threading.Lock()
_paging: Paging | None = None


def configure(paging: Paging | None) -> None:
    global _paging
    with _lock:
        _paging = paging


def get_paging() -> Paging:
    global _paging
    with _lock:
        if _paging is None:
            from bot.escalate.setup import paging_from_settings

            _paging = paging_from_settings()
        return _paging


def on_incident_opened(incident: Incident) -> int:
    return get_paging().on_incident_opened(incident)


def on_incident_acknowledged(incident: Incident, source: str) -> None:
    get_paging().on_incident_acknowledged(incident, source)


def on_incident_resolved(incident: Incident, source: str) -> None:
    get_paging().on_incident_resolved(incident, source)


def snooze(incident_id: int, until: datetime | None, *, by: str) -> int:
    return get_paging().snooze(incident_id, until, by=by)


__all__ = [
    "Paging",
    "configure",
    "get_paging",
    "on_incident_acknowledged",
    "on_incident_opened",
    "on_incident_resolved",
    "snooze",
]
