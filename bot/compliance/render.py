"""A compliance report as text: Slack's summary, and rows for the terminal's formats."""

from __future__ import annotations

from bot.compliance.evaluate import ComplianceReport
from bot.compliance.runs import Trend
from bot.tables import ReportRow

#: AWS Config rules carry no severity of their own
CONFIG_SEVERITY = "medium"


def summary(report: ComplianceReport, trend: Trend | None = None, *, max_listed: int = 5) -> str:
    passed = sum(1 for r in report.results if r.passed)
    head = (
        f"*Compliance*: score {report.score:.1f}% ({report.checks - report.failures} of "
        f"{report.checks} resource checks pass; {passed} of {len(report.results)} rules clean)"
    )
    lines = [head]
    if trend is not None and trend.delta is not None and trend.previous_at is not None:
        lines.append(
            f"Since {trend.previous_at:%Y-%m-%d %H:%M} UTC: {trend.delta:+.1f} points"
            + (f"; newly failing: {_ids(trend.newly_failing)}" if trend.newly_failing else "")
            + (f"; fixed: {_ids(trend.fixed)}" if trend.fixed else "")
        )
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    for r in sorted(report.results, key=lambda r: (r.passed, rank[r.rule.severity], r.rule.id)):
        cis = f" (CIS {r.rule.cis})" if r.rule.cis else ""
        if r.error:
            lines.append(f":x: {r.rule.title}{cis}: {r.error}")
        elif r.failing:
            names = ", ".join(x.name or x.id for x in r.failing[:max_listed])
            more = f" and {len(r.failing) - max_listed} more" if len(r.failing) > max_listed else ""
            lines.append(
                f":warning: [{r.rule.severity}] {r.rule.title}{cis}: "
                f"{len(r.failing)} of {r.checked} fail: {names}{more}"
            )
        else:
            lines.append(f":white_check_mark: {r.rule.title}{cis} ({r.checked} checked)")
    for c in sorted(report.config, key=lambda c: (not c.failing, c.name)):
        if c.failing:
            names = ", ".join(rid for _, rid in c.failing[:max_listed])
            more = f" and {len(c.failing) - max_listed} more" if len(c.failing) > max_listed else ""
            lines.append(
                f":warning: [{CONFIG_SEVERITY}] {c.label}: "
                f"{len(c.failing)} of {c.checked} fail: {names}{more}"
            )
        else:
            lines.append(
                f":white_check_mark: {c.label} ({c.compliance.lower()}, {c.checked} checked)"
            )
    if report.config_note:
        lines.append(f":information_source: AWS Config: {report.config_note}")
    lines += [f":x: AWS Config: {e}" for e in report.config_errors]
    return "\n".join(lines)


def _ids(by_rule: dict[str, list[str]]) -> str:
    return "; ".join(f"{rule}: {', '.join(ids)}" for rule, ids in sorted(by_rule.items()))


def rows(report: ComplianceReport) -> list[ReportRow]:
    out = []
    for r in report.results:
        cis = f"CIS {r.rule.cis}" if r.rule.cis else ""
        if r.error:
            out.append(ReportRow("compliance", "error", r.rule.id, "", r.error))
        for res in r.failing:
            out.append(
                ReportRow(
                    "compliance",
                    r.rule.severity,
                    r.rule.id,
                    res.id,
                    f"{r.rule.title} {cis}".strip() + f": {res.name or res.id} fails",
                    account=res.account,  # several accounts: where the resource lives
                    region=res.region if res.account else "",
                )
            )
    for c in report.config:
        for rtype, rid in c.failing:
            out.append(
                ReportRow("compliance", CONFIG_SEVERITY, c.key, rid,
                          f"AWS Config rule {c.name}: {rtype} {rid} is non-compliant",
                          account=c.account, region=c.region)
            )  # fmt: skip
    if report.config_note:
        out.append(ReportRow("notes", "info", "aws_config", "", report.config_note))
    out += [ReportRow("errors", "error", "aws_config", "", e) for e in report.config_errors]
    return out
