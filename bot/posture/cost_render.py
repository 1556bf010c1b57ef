"""The cost audit in words (Slack, the terminal's summary line) and as report rows (the
terminal's ``--format`` and the file attached in Slack)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.posture.cost_model import Anomaly, CostAudit, CostFinding, Spend, money
from bot.posture.report import ReportRow
from bot.tables import fix_words

TOP_SERVICES = 5


@dataclass(frozen=True)
class CostRow(ReportRow):
    monthly_usd: str = ""  # the estimated monthly saving (findings) or the window's spend


def headline(audit: CostAudit) -> str:
    n, cur = len(audit.findings), audit.prices.currency
    return (
        f"*Cost audit*: {n} finding{'s' * (n != 1)} over {audit.instances} EC2 "
        f"instance{'s' * (audit.instances != 1)}, about "
        f"{money(audit.monthly_saving, cur)}/month to save ({audit.prices.dated})"
    )


def _fix(f: CostFinding) -> str:
    if f.fix_action:
        return f" → `{f.fix_action}` (needs approval)"
    return f" → {f.how}" if f.how else ""


def anomaly_line(a: Anomaly, currency: str) -> str:
    return (
        f"cost anomaly: {a.service} spent {money(a.amount, currency)} on {a.day}, "
        f"{money(a.over, currency)} over its trailing median of {money(a.median, currency)} "
        f"({a.score:.1f} robust deviations)"
    )


def spend_lines(spend: Spend | None) -> list[str]:
    if spend is None:
        return ["Cost Explorer: not asked (no client)"]
    if not spend.available:
        return [f"Cost Explorer: not available ({spend.reason})"]
    if not spend.by_service:
        return [f"Cost Explorer: no spend recorded from {spend.start} to {spend.end}"]
    total = sum(spend.by_service.values())
    top = list(spend.by_service.items())[:TOP_SERVICES]
    lines = [
        f"*Spend* {spend.start} to {spend.end} (Cost Explorer): {money(total, spend.currency)}; "
        + ", ".join(f"{s} {money(v, spend.currency)}" for s, v in top)
    ]
    lines += [f":rotating_light: {anomaly_line(a, spend.currency)}" for a in spend.anomalies]
    if not spend.anomalies:
        lines.append(f"No cost anomaly on {spend.last_day}.")
    return lines


def render(
    audit: CostAudit,
    *,
    max_listed: int = 10,
    head: str | None = None,
    spend: list[str] | None = None,
) -> str:
    """The chat summary; ``head`` and ``spend`` replace the audit's own (across accounts
    each account's spend is listed on its own)."""
    ranked = audit.ranked()
    lines = [head if head is not None else headline(audit)]
    lines += [f":moneybag: {f.summary}{_fix(f)}" for f in ranked[:max_listed]]
    if len(ranked) > max_listed:
        lines.append(f"… and {len(ranked) - max_listed} more")
    if not ranked:
        lines.append("No waste found.")
    lines += spend if spend is not None else spend_lines(audit.spend)
    lines += [f":x: {note}" for note in audit.notes]
    return "\n".join(lines)


def rows(audit: CostAudit) -> list[CostRow]:
    out = [
        CostRow(
            "cost",
            "medium",
            f.check,
            f.resource,
            f.summary,
            f.fix_action or "",
            fix_params=fix_words(f.params) if f.fix_action else "",
            monthly_usd=f"{f.monthly:.2f}" if f.monthly is not None else "",
        )  # fmt: skip
        for f in audit.ranked()
    ]
    spend = audit.spend
    if spend is not None and spend.available:
        out += [
            CostRow(
                "spend",
                "info",
                "spend",
                s,
                f"{s}: {money(v, spend.currency)} from {spend.start} to {spend.end}",
                "",
                monthly_usd=f"{v:.2f}",
            )  # fmt: skip
            for s, v in spend.by_service.items()
        ]
        out += [
            CostRow(
                "anomaly",
                "high",
                "cost_anomaly",
                a.service,
                anomaly_line(a, spend.currency),
                "",
                monthly_usd=f"{a.over:.2f}",
            )  # fmt: skip
            for a in spend.anomalies
        ]
    if spend is not None and not spend.by_service:  # closed, absent or empty: say which
        out.append(CostRow("spend", "info", "cost_explorer", "", spend_lines(spend)[0]))
    out += [CostRow("notes", "info", "note", "", n) for n in audit.notes]
    return out
