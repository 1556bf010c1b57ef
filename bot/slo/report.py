"""SLO / SLA state read from the store: ``status(...)`` for ``/aiops slo`` and ``aiops slo
status`` (error budgets + a live SLA clock for every open incident), ``monthly(...)`` for
``aiops slo report --month 2025-03`` (per-severity compliance, each breach with its reason,
and each SLO's state at the end of the month)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import col, select

from bot.errors import UserError
from bot.slo.config import SloConfig
from bot.slo.flows import evaluate, status_text
from bot.slo.sla import ComplianceReport, IncidentTimes, compliance_report
from bot.store import Database, Incident, Team
from integrations.metrics.models import MetricSource

MAX_OPEN = 200
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH.match(text.strip())
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise UserError(f"{text!r} is not a month: use YYYY-MM, such as 2025-03")
        return cls(int(found.group(1)), int(found.group(2)))

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return datetime(year, month, 1, tzinfo=UTC)


def _times(db: Database, rows: list[Incident]) -> list[IncidentTimes]:
    with db.session() as s:
        teams = {t.id: t.name for t in s.exec(select(Team))}
    return [IncidentTimes.of(r, team=teams.get(r.team_id)) for r in rows if r.id is not None]


def open_incidents(db: Database) -> list[IncidentTimes]:
    with db.session() as s:
        stmt = (
            select(Incident)
            .where(Incident.status != "resolved")
            .order_by(col(Incident.id))
            .limit(MAX_OPEN)
        )
        rows = list(s.exec(stmt))
    return _times(db, rows)


def incidents_opened_in(db: Database, month: Month) -> list[IncidentTimes]:
    start, end = month.start, month.end
    with db.session() as s:
        stmt = (
            select(Incident)
            .where(col(Incident.created_at) >= start, col(Incident.created_at) < end)
            .order_by(col(Incident.id))
        )
        rows = list(s.exec(stmt))
    return _times(db, rows)


def status(
    db: Database, config: SloConfig, sources: Mapping[str, MetricSource], now: datetime
) -> str:
    """Error budgets of every SLO and the running MTTA / MTTR clocks of open incidents."""
    states = evaluate(config, sources, now) if config.slos else []
    text = status_text(states, open_incidents(db), config, now)
    if not config.slas:
        text += "\n_No incident SLA targets (add `slas:` to the SLO file)._"
    return text


def monthly(
    db: Database,
    config: SloConfig,
    sources: Mapping[str, MetricSource],
    month: Month,
    now: datetime,
) -> ComplianceReport:
    """The month's report; SLOs are judged at the month's end (or now, for this month)."""
    if month.start > now:
        raise UserError(f"{month.year:04d}-{month.month:02d} has not started yet")
    at = min(month.end, now)
    slo_lines = [s.describe() for s in evaluate(config, sources, at)] if config.slos else []
    incidents = incidents_opened_in(db, month)
    return compliance_report(incidents, config.slas, month.year, month.month, now, slo_lines)
