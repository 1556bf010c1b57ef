"""The service graph, start time and alerts the incident-flow tests here group (lifecycle and
two replicas on one database)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ingest.models import AlertIn
from bot.topology import Topology

T0 = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
TOPO = Topology({"web": ["api"], "api": ["db"], "db": [], "other": []})


def alert(name: str, service: str, status: str = "firing") -> AlertIn:
    """A critical generic alert ``name`` on ``service``, fingerprinted by both."""
    return AlertIn(
        source="generic",
        fingerprint=f"{name}-{service}",
        name=name,
        service=service,
        status=status,
        severity="critical",
        labels={"env": "prod"},
    )
