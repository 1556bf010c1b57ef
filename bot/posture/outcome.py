"""What a posture audit flow hands every door (``bot.posture.flows``): the report's rows (the
terminal's ``--format``, the file Slack attaches), the lines the terminal prints beside them,
and the chat message showing the top findings. The doors only choose where each goes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.posture.report import ReportRow


@dataclass(frozen=True)
class AuditReport:
    kind: str  # cost | compliance | drift
    rows: list[ReportRow]
    summary: list[str]  # the terminal's lines beside the rows (no Slack markup)
    message: str  # the chat summary: the top findings, and a note when the rest is attached
    attach: str | None = None  # the attached report's title when the message leaves some out

    @property
    def file_name(self) -> str:
        return "drift.csv" if self.kind == "drift" else f"{self.kind}-audit.csv"


def plain(line: str) -> str:
    """A chat line for the terminal: without the bold markers."""
    return line.replace("*", "")
