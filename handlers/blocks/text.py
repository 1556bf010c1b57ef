"""Text helpers shared by the builders: escaping, Slack's size limits, emoji, mentions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_FALLBACK_TEXT = 3000
ELLIPSIS = "…"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

SEVERITY_EMOJI = {
    "critical": ":red_circle:",
    "sev1": ":red_circle:",
    "p1": ":red_circle:",
    "high": ":large_orange_circle:",
    "error": ":large_orange_circle:",
    "sev2": ":large_orange_circle:",
    "p2": ":large_orange_circle:",
    "medium": ":large_yellow_circle:",
    "warning": ":large_yellow_circle:",
    "sev3": ":large_yellow_circle:",
    "p3": ":large_yellow_circle:",
    "low": ":large_blue_circle:",
    "info": ":large_blue_circle:",
    "sev4": ":large_blue_circle:",
    "p4": ":large_blue_circle:",
}

STATUS_EMOJI = {
    "triggered": ":rotating_light:",
    "acknowledged": ":eyes:",
    "investigating": ":mag:",
    "mitigated": ":adhesive_bandage:",
    "resolved": ":white_check_mark:",
}


def severity_emoji(severity: str) -> str:
    return SEVERITY_EMOJI.get(severity.strip().lower(), ":white_circle:")


def status_emoji(status: str) -> str:
    return STATUS_EMOJI.get(status.strip().lower(), ":grey_question:")


def escape(text: str) -> str:
    """Escape untrusted text (alert titles, log lines) for mrkdwn: ``&``, ``<``, ``>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user: str) -> str:
    """``<@U123>`` for a Slack user id, the escaped name otherwise."""
    return f"<@{user}>" if _USER_ID.match(user) else escape(user)


def truncate(text: str, limit: int, *, note: bool = True) -> str:
    """Cut ``text`` to at most ``limit`` characters, ending with "…" and (for mrkdwn, when there
    is room) a note saying how many characters were left out."""
    if len(text) <= limit:
        return text
    if not note or limit < 80:
        return text[: limit - 1] + ELLIPSIS
    widest = "9" * len(str(len(text)))
    keep = limit - len(_note(widest))
    kept = re.sub(r"&[a-z]{0,4}$", "", text[:keep])  # never cut an &amp; entity in half
    return kept + _note(str(len(text) - len(kept)))


def _note(count: str) -> str:
    return f"{ELLIPSIS}\n_(truncated: {count} more characters not shown)_"


def section(text: str, *, block_id: str | None = None) -> SectionBlock:
    """A mrkdwn section whose text always fits Slack's 3000-character limit."""
    return SectionBlock(
        text=MarkdownTextObject(text=truncate(text, MAX_SECTION_TEXT)), block_id=block_id
    )


def fields(pairs: Sequence[tuple[str, str]]) -> SectionBlock:
    """A two-column section of ``*label*\\nvalue`` fields (at most 10, each ≤2000 chars)."""
    return SectionBlock(
        fields=[
            MarkdownTextObject(text=truncate(f"*{label}*\n{value}", MAX_FIELD_TEXT))
            for label, value in pairs[:10]
        ]
    )


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, MAX_FIELD_TEXT))])


def bullets(items: Sequence[str], *, limit: int = 20, empty: str = "_none_") -> str:
    """A bullet list of escaped items, at most ``limit`` shown, then "+N more"."""
    if not items:
        return empty
    lines = [f"• {escape(item)}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"_+{len(items) - limit} more_")
    return "\n".join(lines)


def fit(blocks: list[Block], limit: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """Keep a block list under Slack's limit; the last block says how many were dropped."""
    if len(blocks) <= limit:
        return blocks
    dropped = len(blocks) - (limit - 1)
    return [*blocks[: limit - 1], context(f"_{dropped} more blocks not shown (Slack's limit)._")]


def when(at: datetime | None) -> str:
    """A timestamp Slack renders in each reader's own timezone."""
    if at is None:
        return "—"
    epoch = int(at.timestamp())
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{at.isoformat(timespec='minutes')}>"


def chunked_sections(lines: Sequence[str], limit: int = MAX_SECTION_TEXT - 100) -> list[Block]:
    """Pack lines into as few sections as fit Slack's per-section limit."""
    out: list[Block] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = truncate(line, limit)
        if current and size + len(line) + 1 > limit:
            out.append(section("\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        out.append(section("\n".join(current)))
    return out
