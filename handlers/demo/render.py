"""Slack messages as the terminal shows them: Block Kit JSON (as the local Slack server recorded
it) turned into Rich renderables. Buttons get numbers so ``--interactive`` can click them.

Nothing here reads our internals: the input is what the app sent to Slack (``Message`` records).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from sandbox.slack.records import Message, unescape

_EMOJI = {
    ":red_circle:": "🔴",
    ":large_orange_circle:": "🟠",
    ":large_yellow_circle:": "🟡",
    ":large_blue_circle:": "🔵",
    ":white_circle:": "⚪",
    ":white_check_mark:": "✅",
    ":warning:": "⚠️",
    ":x:": "❌",
    ":rotating_light:": "🚨",
    ":eyes:": "👀",
    ":mag:": "🔍",
    ":hammer_and_wrench:": "🛠",
    ":bell:": "🔔",
    ":adhesive_bandage:": "🩹",
    ":large_green_circle:": "🟢",
    ":+1:": "👍",
    ":-1:": "👎",
    ":speech_balloon:": "💬",
    ":hourglass_flowing_sand:": "⏳",
    ":arrows_counterclockwise:": "🔄",
    ":ballot_box_with_check:": "☑️",
    ":bangbang:": "‼️",
    ":book:": "📖",
    ":bust_in_silhouette:": "👤",
    ":grey_question:": "❔",
    ":information_source:": "ℹ️",
    ":leftwards_arrow_with_hook:": "↩️",
    ":no_entry:": "⛔",
    ":pray:": "🙏",
    ":tada:": "🎉",
    ":zzz:": "💤",
}
_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")
#: Slack user id -> display name for mentions (the demo registers its people here)
USER_NAMES: dict[str, str] = {}
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


@dataclass(frozen=True)
class Button:
    """A button that is really on a posted message (what a person could click)."""

    number: int
    label: str
    action_id: str
    value: str
    block_id: str
    message_ts: str
    channel: str


def mrkdwn(text: str) -> Text:
    """Slack mrkdwn → Rich text: emoji shortcodes, links, *bold*, `code`."""
    text = unescape(text)
    for code, glyph in _EMOJI.items():
        text = text.replace(code, glyph)
    text = _LINK.sub(r"\2", text)
    text = _MENTION.sub(lambda m: "@" + USER_NAMES.get(m.group(1), m.group(1)), text)
    return Text.from_markup(
        _BOLD.sub(r"[bold]\1[/bold]", text.replace("[", r"\[")).replace("`", ""),
        emoji=False,
    )


def _text_of(node: Any) -> str:
    if isinstance(node, dict):
        value = node.get("text")
        return str(value) if isinstance(value, str) else _text_of(value)
    return "" if node is None else str(node)


def buttons_of(messages: Iterable[Message], start: int = 1) -> list[Button]:
    """Every button on ``messages``, numbered from ``start`` in reading order."""
    out: list[Button] = []
    for msg in messages:
        for block in msg.blocks:
            elements = list(block.get("elements") or [])
            if isinstance(block.get("accessory"), dict):
                elements.append(block["accessory"])
            for el in elements:
                if isinstance(el, dict) and el.get("type") == "button":
                    out.append(
                        Button(
                            number=start + len(out),
                            label=_text_of(el.get("text")),
                            action_id=str(el.get("action_id", "")),
                            value=str(el.get("value", "")),
                            block_id=str(block.get("block_id", "")),
                            message_ts=msg.ts,
                            channel=msg.channel,
                        )
                    )
    return out


def blocks_renderable(
    blocks: Sequence[dict[str, Any]], fallback: str, numbers: dict[tuple[str, str, str], int]
) -> RenderableType:
    """One message's blocks; ``numbers`` maps (block_id, action_id, value) to button numbers."""
    parts: list[RenderableType] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            parts.append(Text(_text_of(block.get("text")), style="bold"))
        elif kind == "section":
            if block.get("text"):
                parts.append(mrkdwn(_text_of(block.get("text"))))
            for f in block.get("fields") or []:
                parts.append(mrkdwn(_text_of(f)))
        elif kind == "context":
            line = "  ".join(_text_of(e) for e in block.get("elements") or [])
            text = mrkdwn(line)
            text.stylize("dim")
            parts.append(text)
        elif kind == "divider":
            parts.append(Text("─" * 40, style="dim"))
        elif kind == "actions":
            row = Text()
            for el in block.get("elements") or []:
                if not isinstance(el, dict) or el.get("type") != "button":
                    continue
                key = (str(block.get("block_id", "")), str(el.get("action_id", "")))
                n = numbers.get((*key, str(el.get("value", ""))))
                style = {"primary": "bold green", "danger": "bold red"}.get(
                    str(el.get("style")), "bold cyan"
                )
                label = f"[{n}] " if n else ""
                row.append(f" {label}{_text_of(el.get('text'))} ", style=f"{style} reverse")
                row.append("  ")
            parts.append(row)
    if not parts:
        parts.append(mrkdwn(fallback))
    return Group(*parts)


def channel_view(
    channel_name: str,
    top: Sequence[Message],
    threads: dict[str, list[Message]],
    buttons: Sequence[Button] = (),
    *,
    max_replies: int = 12,
) -> RenderableType:
    """The channel as a person sees it: each top-level message, then its thread replies."""
    numbers = {(b.block_id, b.action_id, b.value): b.number for b in buttons}
    items: list[RenderableType] = []
    if not top:
        items.append(Text("(no messages yet)", style="dim"))
    for msg in top:
        edited = f" · edited ×{msg.edits}" if msg.edits else ""
        body = blocks_renderable(msg.blocks, msg.text, numbers)
        replies = threads.get(msg.ts, [])
        inner: list[RenderableType] = [body]
        if replies:
            inner.append(Text(f"↳ thread · {len(replies)} repl(ies)", style="bold magenta"))
            hidden = len(replies) - max_replies
            if hidden > 0:
                inner.append(Text(f"  … {hidden} earlier repl(ies)", style="dim"))
            for reply in replies[-max_replies:]:
                inner.append(
                    Panel(
                        blocks_renderable(reply.blocks, reply.text, numbers),
                        border_style="magenta",
                        padding=(0, 1),
                    )
                )
        items.append(
            Panel(
                Group(*inner),
                title=f"aiops · {msg.ts}{edited}",
                title_align="left",
                border_style="blue",
            )
        )
    return Panel(Group(*items), title=f"#{channel_name} (local Slack)", border_style="white")
