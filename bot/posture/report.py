"""Audit results as rows, and rows as a table, Markdown, CSV or JSON (the terminal's
``--format``); Slack keeps its own summaries in ``security.render`` / ``cost_render.render``.
A report's columns are its row type's fields (``ReportRow``, or a subclass with more)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Literal

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
    rows += [ReportRow("errors", "error", "unreadable", "", e) for e in audit.errors]
    return rows


def format_rows(rows: list[ReportRow], fmt: Format) -> str:
    if fmt == "json":
        return json.dumps([asdict(r) for r in rows], indent=2)
    columns = tuple(f.name for f in fields(rows[0])) if rows else COLUMNS
    table = [[getattr(r, c) for c in columns] for r in rows]
    if fmt == "csv":
        return csv_text(columns, table)
    if fmt == "md":
        return markdown_table(columns, table)
    return "\n".join(f"[{r.severity}] {r.section}: {r.summary}" for r in rows) or "no findings"
