"""Rows of strings as CSV or a Markdown table (the terminal's ``--format csv|md``), and the
one row every audit report is made of (``ReportRow``: security, cost, compliance, drift)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ReportRow:
    section: str
    severity: str
    check: str
    resource: str
    summary: str
    fix_action: str = ""
    account: str = ""  # set when several accounts are read
    region: str = ""
    # the fix's parameters as ``aiops remediate propose`` takes them ("group=sg-… port=22")
    fix_params: str = ""


def fix_words(params: Mapping[str, object]) -> str:
    """``key=value`` words, in order: a fix's parameters as a report shows them."""
    return " ".join(f"{k}={v}" for k, v in params.items())


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)
