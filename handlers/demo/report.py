"""The demo's screens: progress, the Slack channel, PagerDuty, what the on-call sees privately.

Everything is read from the local Slack and local PagerDuty records.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from handlers.demo.render import Button, blocks_renderable, buttons_of, channel_view
from handlers.demo.session import CHANNEL, ONCALL, DemoSession

_MARK = {"run": "[yellow]…[/]", "ok": "[green]✓[/]", "fail": "[red]✗[/]", "info": "[cyan]•[/]"}


def steps_view(demo: DemoSession, *, last: int = 14) -> RenderableType:
    table = Table.grid(padding=(0, 1))
    table.add_column(width=2)
    table.add_column()
    table.add_column(justify="right", style="dim")
    steps = demo.steps[-last:]
    for s in steps:
        took = f"{s.ended - s.started:.1f}s" if s.ended and s.ended - s.started >= 0.05 else ""
        table.add_row(Text.from_markup(_MARK.get(s.state, "")), s.text, took)
    title = f"aiops demo · {demo.scenario.name} · {demo.scenario_path.name}"
    return Panel(table, title=title, border_style="green")


def pagerduty_view(demo: DemoSession) -> RenderableType:
    pages = demo.pages()
    if not pages:
        return Panel(
            Text("no page yet", style="dim"), title="PagerDuty (local)", border_style="red"
        )
    table = Table.grid(padding=(0, 2))
    for p in pages:
        who = ", ".join(demo.pd_name(u) for u in p.assignees) or "-"
        style = {"triggered": "bold red", "acknowledged": "yellow", "resolved": "green"}
        table.add_row(
            Text(p.id, style="bold"),
            Text(p.status, style=style.get(p.status, "")),
            Text(p.title[:60]),
            Text(f"→ {who}"),
        )
    return Panel(table, title="PagerDuty (local)", border_style="red")


def ephemeral_view(demo: DemoSession, user: str = ONCALL) -> RenderableType | None:
    shown = demo.ephemerals(user)
    if not shown:
        return None
    last = shown[-1]
    return Panel(
        blocks_renderable(last.blocks, last.text, {}),
        title=f"only visible to {user} (ephemeral)",
        border_style="cyan",
    )


def live_view(
    demo: DemoSession, *, buttons: list[Button] | None = None, compact: bool = False
) -> RenderableType:
    """``compact``: the latest thread replies only and the latest steps (fits a screen while it
    redraws); the full view is printed at the end."""
    top, threads = demo.channel()
    if buttons is None:
        buttons = numbered_buttons(demo)
    parts: list[RenderableType] = [
        steps_view(demo, last=6 if compact else 40),
        channel_view(CHANNEL, top, threads, buttons, max_replies=2 if compact else 12),
        pagerduty_view(demo),
    ]
    private = ephemeral_view(demo)
    if private is not None:
        parts.append(private)
    return Group(*parts)


def numbered_buttons(demo: DemoSession) -> list[Button]:
    """Every clickable button in the channel, threads included, in reading order."""
    top, threads = demo.channel()
    ordered = []
    for m in top:
        ordered.append(m)
        ordered.extend(threads.get(m.ts, []))
    return buttons_of(ordered)


def gaps_view(demo: DemoSession) -> RenderableType | None:
    if not demo.gaps:
        return None
    return Panel(
        Group(*(Text(f"• {g}") for g in demo.gaps)),
        title="not shown (said honestly, not faked)",
        border_style="yellow",
    )
