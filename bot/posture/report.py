"""Audit results as rows, and rows as a table, Markdown, CSV or JSON (the terminal's
``--format``); Slack keeps its own summaries in ``security.render`` / ``cost_render.render``.
A report's columns are its rows' fields (``ReportRow``, or a subclass with more, such as the
cost audit's ``monthly_usd``)."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Literal

from bot.posture.security import SecurityAudit
from bot.tables import ReportRow, csv_text, fix_words, markdown_table

__all__ = ["FORMATS", "Format", "ReportRow", "format_rows", "security_rows"]

Format = Literal["table", "md", "csv", "json"]
FORMATS: tuple[str, ...] = ("table", "md", "csv", "json")
COLUMNS = ("section", "severity", "check", "resource", "summary", "fix_action", "fix_params")
#: added in front when the rows come from more than one account or region
WHERE = ("account", "region")


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
                    fix_params=fix_words(
                        {
                            k.removeprefix("fix_"): v
                            for k, v in f.attrs.items()
                            if k.startswith("fix_") and k != "fix_action"
                        }
                    ),
                    account=str(f.get("account") or ""),
                    region=str(f.get("region") or ""),
                )
            )
    rows += [ReportRow("notes", "info", "not_enabled", "", n) for n in audit.notes]
    rows += [ReportRow("errors", "error", "unreadable", "", e) for e in audit.errors]
    return rows


def format_rows(rows: list[ReportRow], fmt: Format) -> str:
    """One account's rows keep the one-account columns; rows naming accounts add
    ``account`` and ``region`` in front."""
    own: dict[str, None] = dict.fromkeys(COLUMNS)  # ordered: every row type's fields
    for row in rows:
        own.update(dict.fromkeys(f.name for f in fields(row) if f.name not in WHERE))
    several = any(r.account for r in rows)
    columns = (*WHERE, *own) if several else tuple(own)
    if fmt == "json":
        return json.dumps([{c: getattr(r, c, "") for c in columns} for r in rows], indent=2)
    table = [[getattr(r, c, "") for c in columns] for r in rows]
    if fmt == "csv":
        return csv_text(columns, table)
    if fmt == "md":
        return markdown_table(columns, table)
    text = [f"[{r.severity}] {_where(r)}{r.section}: {r.summary}" for r in rows]
    return "\n".join(text) or "no findings"


def _where(row: ReportRow) -> str:
    return f"{row.account} {row.region}: " if row.account else ""
