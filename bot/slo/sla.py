"""Incident SLAs: MTTA / MTTR targets per severity and team, tracked live ("1m30s left before
MTTA breach"), and the monthly compliance report with each breach and its reason.

Times come from the incident row: opened = ``created_at``, acknowledged = ``acknowledged_at``,
restored = ``resolved_at``. The most specific target wins (severity + team over severity alone
over a catch-all).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.slo.config import SlaSpec


@dataclass(frozen=True)
class IncidentTimes:
    id: int
    title: str
    severity: str
    team: str | None
    created_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None

    @classmethod
    def of(cls, incident: Any, team: str | None = None) -> IncidentTimes:
        """From a store ``Incident`` (or anything with the same attributes)."""
        return cls(
            id=int(incident.id),
            title=str(incident.title),
            severity=str(incident.severity),
            team=team,
            created_at=_utc(incident.created_at),
            acknowledged_at=_utc(incident.acknowledged_at) if incident.acknowledged_at else None,
            resolved_at=_utc(incident.resolved_at) if incident.resolved_at else None,
        )


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def fmt_duration(d: timedelta) -> str:
    """``1m30s``, ``2h05m``, ``3d4h``: short and exact enough for a countdown."""
    s = int(abs(d.total_seconds()))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s" if seconds else f"{minutes}m"
    return f"{seconds}s"


def target_for(incident: IncidentTimes, targets: Sequence[SlaSpec]) -> SlaSpec | None:
    def fits(t: SlaSpec) -> bool:
        return (t.severity in (None, incident.severity)) and (t.team in (None, incident.team))

    matches = [t for t in targets if fits(t)]
    if not matches:
        return None
    return max(matches, key=lambda t: (t.team is not None) * 2 + (t.severity is not None))


@dataclass(frozen=True)
class Clock:
    """One SLA clock (MTTA or MTTR) of one incident at ``now``."""

    metric: str  # MTTA | MTTR
    target: timedelta
    elapsed: timedelta
    stopped: bool  # acknowledged / resolved: the clock no longer runs

    @property
    def left(self) -> timedelta:
        return self.target - self.elapsed

    @property
    def breached(self) -> bool:
        return self.elapsed > self.target

    def describe(self) -> str:
        if self.stopped:
            verdict = "met" if not self.breached else f"missed by {fmt_duration(-self.left)}"
            took, goal = fmt_duration(self.elapsed), fmt_duration(self.target)
            return f"{self.metric} {took} (target {goal}, {verdict})"
        if self.breached:
            return f"{self.metric} breached {fmt_duration(-self.left)} ago"
        return f"{fmt_duration(self.left)} left before {self.metric} breach"


def clocks(incident: IncidentTimes, targets: Sequence[SlaSpec], now: datetime) -> list[Clock]:
    target = target_for(incident, targets)
    if target is None:
        return []
    out = []
    for metric, goal, stop in (
        ("MTTA", target.mtta, incident.acknowledged_at),
        ("MTTR", target.mttr, incident.resolved_at),
    ):
        if goal is None:
            continue
        end = stop or now
        out.append(
            Clock(metric, goal, max(end - incident.created_at, timedelta(0)), stop is not None)
        )
    return out


@dataclass(frozen=True)
class SlaBreach:
    incident: IncidentTimes
    metric: str
    target: timedelta
    actual: timedelta
    reason: str


@dataclass
class SeverityLine:
    severity: str
    incidents: int = 0
    mtta_met: int = 0
    mtta_total: int = 0
    mttr_met: int = 0
    mttr_total: int = 0


@dataclass
class ComplianceReport:
    month: str  # 2025-03
    lines: dict[str, SeverityLine] = field(default_factory=dict)
    breaches: list[SlaBreach] = field(default_factory=list)
    slo_lines: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        out = [f"# SLA / SLO compliance, {self.month}", ""]
        if self.lines:
            out += ["| severity | incidents | MTTA met | MTTR met |", "|---|---|---|---|"]
            for sev in sorted(self.lines):
                line = self.lines[sev]
                out.append(
                    f"| {sev} | {line.incidents} | {_pct(line.mtta_met, line.mtta_total)} "
                    f"| {_pct(line.mttr_met, line.mttr_total)} |"
                )
            out.append("")
        else:
            out += ["No incidents with SLA targets this month.", ""]
        out += [f"## Breaches ({len(self.breaches)})", ""]
        out += [
            f"- #{b.incident.id} {b.incident.title} ({b.incident.severity}): {b.metric} "
            f"{fmt_duration(b.actual)} vs {fmt_duration(b.target)}: {b.reason}"
            for b in self.breaches
        ] or ["None."]
        if self.slo_lines:
            out += ["", "## SLOs", "", *[f"- {s}" for s in self.slo_lines]]
        return "\n".join(out) + "\n"


def _pct(met: int, total: int) -> str:
    return "n/a" if total == 0 else f"{met}/{total} ({100 * met / total:.0f}%)"


def _reason(inc: IncidentTimes, metric: str, now: datetime) -> str:
    if metric == "MTTA":
        if inc.acknowledged_at is None:
            return "nobody acknowledged it"
        return f"acknowledged at {inc.acknowledged_at:%Y-%m-%d %H:%M} UTC"
    if inc.resolved_at is None:
        return f"still open at {now:%Y-%m-%d %H:%M} UTC"
    if inc.acknowledged_at is not None and inc.acknowledged_at - inc.created_at > (
        inc.resolved_at - inc.acknowledged_at
    ):
        return "most of the time went before the acknowledgement"
    return f"resolved at {inc.resolved_at:%Y-%m-%d %H:%M} UTC"


def compliance_report(
    incidents: Iterable[IncidentTimes],
    targets: Sequence[SlaSpec],
    year: int,
    month: int,
    now: datetime,
    slo_lines: Sequence[str] = (),
) -> ComplianceReport:
    """Incidents opened in the month, each clock judged at its stop time (or ``now``)."""
    report = ComplianceReport(month=f"{year:04d}-{month:02d}", slo_lines=list(slo_lines))
    for inc in sorted(incidents, key=lambda i: i.created_at):
        opened = inc.created_at.astimezone(UTC)
        if (opened.year, opened.month) != (year, month):
            continue
        cs = clocks(inc, targets, now)
        if not cs:
            continue
        line = report.lines.setdefault(inc.severity, SeverityLine(inc.severity))
        line.incidents += 1
        for c in cs:
            if c.metric == "MTTA":
                line.mtta_total += 1
                line.mtta_met += not c.breached
            else:
                line.mttr_total += 1
                line.mttr_met += not c.breached
            if c.breached:
                report.breaches.append(
                    SlaBreach(inc, c.metric, c.target, c.elapsed, _reason(inc, c.metric, now))
                )
    return report
