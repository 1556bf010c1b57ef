"""Gauges read from the database at scrape time, so every replica reports the same numbers.

- ``aiops_incidents{state}``: incidents by status (all time; resolved keeps growing),
- ``aiops_automation_rate``: of the incidents resolved in the last 30 days, the share that had a
  verified remediation (executed by the bot, approved or automatic); an incident whose
  remediations all ended ``unverified`` counts on neither side,
- ``aiops_remediations_pending``: requests waiting for an approval.

``StoreCollector`` is registered once; ``watch_store(db)`` points it at the process's database.
A failing query drops the gauges from that scrape (and logs), never fails the scrape.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import col, select

from bot.clock import Clock
from bot.observability.metrics import REGISTRY
from bot.store import Database, Incident, RemediationRequest

log = logging.getLogger(__name__)

AUTOMATION_WINDOW = timedelta(days=30)
STATES = ("triggered", "acknowledged", "investigating", "mitigated", "resolved")


def incident_counts(db: Database) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    with db.session() as s:
        stmt = select(Incident.status, func.count()).group_by(col(Incident.status))
        for status, n in s.exec(stmt):
            counts[str(status)] = int(n)
    return counts


def _incidents_in_state(state: str) -> Any:
    return select(RemediationRequest.incident_id).where(
        col(RemediationRequest.state) == state, col(RemediationRequest.incident_id).is_not(None)
    )


def automation_rate(db: Database, *, now: datetime | None = None) -> float | None:
    """Share of recently resolved incidents that a verified remediation helped; None if none.

    An incident whose remediations ended only ``unverified`` (they ran, nothing could check
    them) is left out of both sides: neither a success nor a failure of automation."""
    since = (now or datetime.now(UTC)) - AUTOMATION_WINDOW
    verified = _incidents_in_state("verified")
    unjudged = _incidents_in_state("unverified").where(
        col(RemediationRequest.incident_id).not_in(verified)
    )
    with db.session() as s:
        resolved = select(Incident.id).where(
            col(Incident.status) == "resolved",
            col(Incident.resolved_at) >= since,
            col(Incident.id).not_in(unjudged),
        )
        total = s.exec(select(func.count()).select_from(resolved.subquery())).one()
        if not total:
            return None
        helped = s.exec(
            select(func.count(func.distinct(RemediationRequest.incident_id))).where(
                col(RemediationRequest.state) == "verified",
                col(RemediationRequest.incident_id).in_(resolved),
            )
        ).one()
    return float(helped) / float(total)


def pending_remediations(db: Database) -> int:
    with db.session() as s:
        stmt = select(func.count()).where(col(RemediationRequest.state) == "pending")
        return int(s.exec(stmt).one())


class StoreCollector(Collector):
    def __init__(self) -> None:
        self.db: Database | None = None
        self.clock: Clock | None = None
        self._last_problem: str | None = None
        self._lock = threading.Lock()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            db, clock = self.db, self.clock
        if db is None:
            return
        try:
            counts = incident_counts(db)
            rate = automation_rate(db, now=clock.now() if clock is not None else None)
            pending = pending_remediations(db)
        except Exception as exc:
            problem = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            if problem != self._last_problem:  # once per distinct problem, not every scrape
                log.warning("metrics: could not read the store (%s)", problem)
                self._last_problem = problem
            return
        self._last_problem = None
        by_state = GaugeMetricFamily("aiops_incidents", "Incidents by status", labels=["state"])
        for state, n in counts.items():
            by_state.add_metric([state], n)
        yield by_state
        if rate is not None:
            yield GaugeMetricFamily(
                "aiops_automation_rate",
                "Share of incidents resolved in the last 30 days with a verified remediation",
                value=rate,
            )
        yield GaugeMetricFamily(
            "aiops_remediations_pending", "Remediation requests waiting for approval", value=pending
        )

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())


_COLLECTOR = StoreCollector()
REGISTRY.register(_COLLECTOR)


def watched() -> tuple[Database | None, Clock | None]:
    """The database (and clock) ``watch_store`` pointed the gauges at: other collectors that
    read the store at scrape time (``bot.learn.metrics``) read the same one."""
    with _COLLECTOR._lock:
        return _COLLECTOR.db, _COLLECTOR.clock


def watch_store(db: Database, clock: Clock | None = None) -> None:
    """Report this database's incidents at ``/metrics`` (the latest call wins); ``clock`` is
    what "the last 30 days" are measured on (the system clock when None)."""
    with _COLLECTOR._lock:
        _COLLECTOR.db, _COLLECTOR.clock = db, clock
