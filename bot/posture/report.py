"""Audit results as rows, and rows as a table, Markdown, CSV or JSON (the terminal's
``--format``); Slack keeps its own summaries in ``security.render`` / ``cost.render``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal

from bot.posture.cost import CostAudit
from bot.posture.security import SecurityAudit
from bot.tables import csv_text, markdown_table

Format = Literal["table", "md", "csv", "json"]
FORMATS: tuple[str, ...] = ("table", "md", "csv", "json")
COLUMNS = ("section", "severity", "check", "resource", "summary", "fix_action")


@dataclass(frozen=True)
class ReportRow:
    section: str
    severity: str
    check: str
    resource: str
    summary: str
    fix_action: str = ""


def security_rows(audit: SecurityAudit) -> list[ReportRow]:
    rows = []
    for title, found in audit.sections:
        for f in found:
            check = str(f.get("check") or "")
            default = "info" if check == "sg_open_web" else "high"
            rows.append(
                ReportRow(
                    section=title,
                    severity=str(f.get("severity") or default),
                    check=check,
                    resource=f.source,
                    summary=f.summary,
                    fix_action=str(f.get("fix_action") or ""),
                )
            )
    rows += [ReportRow("notes", "info", "not_enabled", "", n) for n in audit.notes]
    rows += [ReportRow("errors", "error", "unreadable", "", e) for e in audit.errors]
    return rows


def cost_rows(audit: CostAudit) -> list[ReportRow]:
    rows = [ReportRow("cost", "medium", f.check, f.resource, f.summary) for f in audit.findings]
    return rows + [ReportRow("notes", "info", "note", "", n) for n in audit.notes]


def format_rows(rows: list[ReportRow], fmt: Format) -> str:
    if fmt == "json":
        return json.dumps([asdict(r) for r in rows], indent=2)
    table = [[getattr(r, c) for c in COLUMNS] for r in rows]
    if fmt == "csv":
        return csv_text(COLUMNS, table)
    if fmt == "md":
        return markdown_table(COLUMNS, table)
    return "\n".join(f"[{r.severity}] {r.section}: {r.summary}" for r in rows) or "no findings"
