"""The demo's terminal rendering of Slack messages: mrkdwn, mentions, numbered buttons."""

from __future__ import annotations

from rich.console import Console

from handlers.demo.render import USER_NAMES, buttons_of, channel_view, mrkdwn
from sandbox.slack import Message


def _message(ts: str, blocks: list[dict], thread_ts: str | None = None) -> Message:
    return Message(channel="C1", ts=ts, text="fallback", blocks=blocks, user="UBOT",
                   thread_ts=thread_ts)  # fmt: skip


def _actions(block_id: str, *labels: str) -> dict:
    return {
        "type": "actions",
        "block_id": block_id,
        "elements": [
            {"type": "button", "action_id": f"a_{label.lower()}", "value": block_id,
             "text": {"type": "plain_text", "text": label}}
            for label in labels
        ],
    }  # fmt: skip


def test_mrkdwn_unescapes_links_mentions_emoji_and_keeps_brackets_literal() -> None:
    USER_NAMES["U0TEST1"] = "alice"
    text = mrkdwn("*bold* &lt;x&gt; <https://e.test|the link> <@U0TEST1> <@U0OTHER> :tada: [y]")
    assert text.plain == "bold <x> the link @alice @U0OTHER 🎉 [y]"
    assert any(span.style == "bold" for span in text.spans)


def test_buttons_are_numbered_in_reading_order_across_messages_and_shown_with_numbers() -> None:
    top = _message("1.0", [{"type": "section", "text": {"type": "mrkdwn", "text": "*#1 t*"}},
                           _actions("incident", "Acknowledge", "Investigate")])  # fmt: skip
    reply = _message("2.0", [_actions("approval:7", "Approve", "Reject")], thread_ts="1.0")
    buttons = buttons_of([top, reply])
    assert [(b.number, b.label, b.message_ts) for b in buttons] == [
        (1, "Acknowledge", "1.0"), (2, "Investigate", "1.0"),
        (3, "Approve", "2.0"), (4, "Reject", "2.0"),
    ]  # fmt: skip
    console = Console(record=True, width=100)
    console.print(channel_view("incidents", [top], {"1.0": [reply]}, buttons))
    out = console.export_text()
    assert "[1] Acknowledge" in out and "[4] Reject" in out and "thread · 1 repl(ies)" in out
