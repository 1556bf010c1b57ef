"""``aiops demo --interactive``: the person types ``/aiops …`` and clicks buttons by number.

Buttons are clicked as the demo on-call, except Approve / Reject, which a demo approver clicks
(the four-eyes rule: the person who asked for an action is not the one approving it).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console

from handlers.demo.report import live_view, numbered_buttons
from handlers.demo.session import APPROVERS, CHANNEL, ONCALL, DemoSession

HELP = (
    "[bold]N[/] click button N · [bold]/aiops …[/] type a command as the on-call · "
    "[bold]Enter[/] refresh · [bold]q[/] quit"
)
APPROVAL_ACTIONS = ("remediation_approve", "remediation_reject")


def play(demo: DemoSession, console: Console, ask: Callable[[str], str] | None = None) -> None:
    ask = ask or (lambda prompt: console.input(prompt))
    note = ""
    while True:
        buttons = numbered_buttons(demo)
        console.print(live_view(demo, buttons=buttons))
        if note:
            console.print(note)
        console.print(HELP)
        try:
            line = ask("[bold cyan]you>[/] ").strip()
        except EOFError:
            return
        if line.lower() in ("q", "quit", "exit"):
            return
        note = _act(demo, line, buttons)


def _act(demo: DemoSession, line: str, buttons: list) -> str:  # type: ignore[type-arg]
    if not line:
        return ""
    if line.startswith("/aiops"):
        text = line.removeprefix("/aiops").strip()
        envelope = demo.slack.send_slash_command(ONCALL, text, channel=CHANNEL)
        demo.slack.wait_ack(envelope, timeout=5)
        time.sleep(0.5)
        return f"[dim]sent /aiops {text} as {ONCALL}[/]"
    if line.isdigit():
        match = [b for b in buttons if b.number == int(line)]
        if not match:
            return f"[red]no button {line}[/]"
        button = match[0]
        user = APPROVERS[0] if button.action_id in APPROVAL_ACTIONS else ONCALL
        envelope = demo.slack.click_button(
            user, button.action_id, message_ts=button.message_ts, channel=button.channel,
            block_id=button.block_id or None, value=button.value or None,
        )  # fmt: skip
        demo.slack.wait_ack(envelope, timeout=5)
        time.sleep(1.0)  # jobs post shortly after the ack; press Enter to refresh
        return f"[dim]{user} clicked [{button.number}] {button.label}[/]"
    return "[red]type a button number, a /aiops command, Enter or q[/]"
