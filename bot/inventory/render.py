"""An inventory result as text: a table, Markdown, CSV or JSON."""

from __future__ import annotations

import json
from typing import Literal

from bot.inventory.service import InventoryResult
from bot.tables import csv_text, markdown_table

Format = Literal["table", "md", "csv", "json"]


def rows(result: InventoryResult) -> tuple[list[str], list[list[str]]]:
    columns = result.query.type.columns
    return columns, [[r.value(c) or "" for c in columns] for r in result.resources]


def summary(result: InventoryResult) -> str:
    q = result.query
    shown = f"{len(result.resources)} {q.type.type}"
    if q.filters:
        shown += f" matching {' '.join(str(f) for f in q.filters)} (of {result.scanned})"
    return shown


def render(result: InventoryResult, fmt: Format = "table") -> str:
    columns, body = rows(result)
    if fmt == "json":
        return json.dumps(
            [
                {"id": r.id, "name": r.name, "region": r.region, "state": r.state}
                | {"tags": r.tags, **r.attrs}
                for r in result.resources
            ],
            indent=2,
        )
    if fmt == "csv":
        return csv_text(columns, body)
    if fmt == "md":
        return "\n".join([summary(result), "", markdown_table(columns, body)])
    widths = [max([len(c), *(len(row[i]) for row in body)]) for i, c in enumerate(columns)]
    fmt_row = "  ".join(f"{{:{w}}}" for w in widths)
    lines = [fmt_row.format(*columns), fmt_row.format(*("-" * w for w in widths))]
    lines += [fmt_row.format(*row) for row in body]
    return "\n".join([summary(result), *lines])
