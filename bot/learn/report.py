"""The fix library and the learning figures as plain lines, for ``aiops fixes|stats`` and
``/aiops fixes|stats`` alike."""

from __future__ import annotations

from bot.learn.library import FixRecord
from bot.learn.stats import LearningStats

NO_FIXES = (
    "No fixes recorded yet: they come from verified remediations, the feedback buttons and "
    '"what fixed it" when an incident is resolved.'
)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def fix_lines(records: list[FixRecord]) -> list[str]:
    """One heading per kind of incident, one line per fix: worked / failed, last incident."""
    if not records:
        return [NO_FIXES]
    lines: list[str] = []
    family = None
    for r in records:
        if r.family != family:
            family = r.family
            lines.append(f"{family}:")
        last = f"#{r.last_incident}" if r.last_incident is not None else "-"
        when = f" on {r.last_at:%Y-%m-%d}" if r.last_at is not None else ""
        name = r.fix if r.subject == "action" else f"{r.subject}: {r.fix}"
        lines.append(f"  {name} — worked {r.worked}, failed {r.failed} (last {last}{when})")
    return lines


def stats_lines(stats: LearningStats) -> list[str]:
    helpful = _pct(stats.helpful_share)
    lines = [
        f"Analyses rated helpful: {helpful} ({stats.helpful} of {stats.judged} judged)",
        f"Top-1 accuracy (first action or top hypothesis right): {_pct(stats.top1_accuracy)}",
    ]
    lines += [f"  {p.week}: {p.hits} of {p.labelled} ({_pct(p.accuracy)})" for p in stats.top1[-8:]]
    lines.append("Most common fixes: " + (
        ", ".join(f"{fix} ({n})" for fix, n in stats.common_fixes) or "none yet"
    ))  # fmt: skip
    lines.append(f"Automation rate (resolved in 30 days, fixed by a verified remediation): "
                 f"{_pct(stats.automation)}")  # fmt: skip
    lines.append(f"Outcomes recorded: {stats.outcomes}")
    return lines
