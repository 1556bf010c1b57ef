"""A drift run's result, and its rows for the terminal's ``--format`` and Slack's summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.drift.compare import Drift
from bot.tables import ReportRow


@dataclass
class DriftReport:
    drifts: list[Drift] = field(default_factory=list)
    compared: int = 0  # resources compared with live
    skipped: list[str] = field(default_factory=list)  # declared types drift does not read
    errors: list[str] = field(default_factory=list)

    def merge(self, other: DriftReport) -> DriftReport:
        self.drifts += other.drifts
        self.compared += other.compared
        self.skipped += other.skipped
        self.errors += other.errors
        return self


def _summary(d: Drift) -> str:
    what = d.attribute or "resource"
    if d.change == "changed":
        text = f"{d.resource} {what}: expected {d.expected}, actual {d.actual}"
    elif d.change == "added":
        text = f"{d.resource} {what}: added live, not declared: {d.actual}"
    else:
        text = f"{d.resource} {what}: declared, missing live: {d.expected}"
    return f"{text} ({d.source})"


def drift_rows(report: DriftReport) -> list[ReportRow]:
    rows = [
        ReportRow(
            section=f"drift: {d.origin}",
            severity="high" if not d.attribute else "medium",
            check=d.change,
            resource=f"{d.type} {d.physical_id}".strip(),
            summary=_summary(d),
        )
        for d in report.drifts
    ]
    rows += [ReportRow("errors", "error", "unreadable", "", e) for e in report.errors]
    return rows


def summary(report: DriftReport) -> str:
    """One line: how many resources were compared, how many differences, what was skipped."""
    text = f"drift: {len(report.drifts)} differences in {report.compared} resources compared"
    if report.skipped:
        text += f"; {len(report.skipped)} declared resources of types drift does not read"
    return text


def render(report: DriftReport, limit: int = 15) -> str:
    """The Slack summary: a count, then the first ``limit`` differences."""
    if not report.drifts and not report.errors:
        return f"*Drift:* none — {report.compared} resources match their IaC."
    lines = [f"*Drift:* {len(report.drifts)} differences in {report.compared} resources"]
    lines += [f"• `{d.change}` {_summary(d)}" for d in report.drifts[:limit]]
    if len(report.drifts) > limit:
        lines.append(f"_…and {len(report.drifts) - limit} more (`aiops audit drift`)._")
    lines += [f"• error: {e}" for e in report.errors]
    return "\n".join(lines)
