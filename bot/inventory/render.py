"""An inventory result as text: a table, Markdown, CSV or JSON."""

from __future__ import annotations

import json
from typing import Literal

from bot.inventory.service import InventoryResult
from bot.tables import csv_text, markdown_table

Format = Literal["table", "md", "csv", "json"]


def columns(result: InventoryResult) -> list[str]:
    """The type's columns; with several accounts or regions, ``account`` and ``region`` first."""
    shown = list(result.query.type.columns)
    if result.several:
        shown = ["account", "region", *(c for c in shown if c not in ("account", "region"))]
    return shown


def rows(result: InventoryResult) -> tuple[list[str], list[list[str]]]:
    names = columns(result)
    return names, [[r.value(c) or "" for c in names] for r in result.resources]


def summary(result: InventoryResult) -> str:
    q = result.query
    shown = f"{len(result.resources)} {q.type.type}"
    if q.filters:
        shown += f" matching {' '.join(str(f) for f in q.filters)} (of {result.scanned})"
    if result.errors:
        shown += f"; unreadable: {'; '.join(result.errors)}"
    return shown


def render(result: InventoryResult, fmt: Format = "table") -> str:
    names, body = rows(result)
    if fmt == "json":
        return json.dumps(
            [
                ({"account": r.account} if result.several else {})
                | {"id": r.id, "name": r.name, "region": r.region, "state": r.state}
                | {"tags": r.tags, **r.attrs}
                for r in result.resources
            ],
            indent=2,
        )
    if fmt == "csv":
        return csv_text(names, body)
    if fmt == "md":
        return "\n".join([summary(result), "", markdown_table(names, body)])
    widths = [max([len(c), *(len(row[i]) for row in body)]) for i, c in enumerate(names)]
    fmt_row = "  ".join(f"{{:{w}}}" for w in widths)
    lines = [fmt_row.format(*names), fmt_row.format(*("-" * w for w in widths))]
    lines += [fmt_row.format(*row) for row in body]
    return "\n".join([summary(result), *lines])
