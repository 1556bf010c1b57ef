"""The demo's screens: live progress + the channel, then the end report (timeline, gaps)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from handlers.demo.render import buttons_of, channel_view
from handlers.demo.session import CHANNEL, DemoSession

_MARK = {"run": "[yellow]…[/]", "ok": "[green]✓[/]", "fail": "[red]✗[/]", "info": "[cyan]•[/]"}


def steps_view(demo: DemoSession) -> RenderableType:
    table = Table.grid(padding=(0, 1))
    table.add_column(width=2)
    table.add_column()
    table.add_column(justify="right", style="dim")
    for s in demo.steps:
        took = f"{(s.ended or 0) - s.started:.1f}s" if s.ended and s.ended > s.started else ""
        table.add_row(Text.from_markup(_MARK.get(s.state, "")), s.text, took)
    return Panel(table, title=f"aiops demo · {demo.scenario.name}", border_style="green")


def live_view(demo: DemoSession) -> RenderableType:
    top, threads = demo.channel()
    return Group(steps_view(demo), channel_view(CHANNEL, top, threads, buttons_of(top)))


def _incident_sections(inc: dict[str, Any]) -> list[RenderableType]:
    out: list[RenderableType] = [
        Text.from_markup(
            f"[bold]#{inc['id']} {inc['title']}[/] · status {inc['status']} · alerts "
            f"{', '.join(inc['alerts'])} · root alert {inc['root_alert'] or '-'}"
        )
    ]
    inv = inc.get("investigation") or {}
    if inv:
        out.append(Text.from_markup(f"[bold]class[/] {inv.get('incident_class')}"))
        out.append(Text("facts", style="bold"))
        out.extend(Text(f"  • {f['text']}") for f in inv.get("facts", [])[:8])
        out.append(Text("hypotheses", style="bold"))
        out.extend(
            Text(f"  • {h['kind']} on {h.get('service')} ({h['confidence']:.0%}): {h['summary']}")
            for h in inv.get("hypotheses", [])[:4]
        )
        out.append(Text("recommended actions", style="bold"))
        out.extend(
            Text(f"  {i}. {a['action']} {json.dumps(a['params'])} (risk {a['risk']})")
            for i, a in enumerate(inv.get("actions", [])[:4], 1)
        )
    rem = inc.get("remediation") or {}
    if rem:
        style = "green" if rem.get("status") == "verified" else "yellow"
        out.append(
            Text.from_markup(
                f"[bold]remediation[/] {rem.get('action') or '-'} → [{style}]{rem.get('status')}[/]"
            )
        )
        if rem.get("detail"):
            out.append(Text(f"  {rem['detail']}", style="dim"))
    return out


def replay_view(result: dict[str, Any]) -> RenderableType:
    """What the replay report holds that the channel does not show yet."""
    parts: list[RenderableType] = []
    for inc in result.get("incidents", []):
        parts.extend(_incident_sections(inc))
        parts.append(Text(""))
    return Panel(
        Group(*parts) if parts else Text("no incidents"),
        title="investigation and remediation (from the replay report, not via Slack yet)",
        border_style="yellow",
    )


def timeline_view(demo: DemoSession) -> RenderableType:
    table = Table(title="timeline (from the store)", show_lines=False)
    for col in ("incident", "at", "kind", "actor", "what"):
        table.add_column(col)
    for incident_id, rows in demo.timeline():
        for row in rows:
            table.add_row(
                f"#{incident_id}",
                row.at.strftime("%H:%M:%S"),
                row.kind,
                row.actor or "",
                row.text[:100],
            )
    return table


def gaps_view(demo: DemoSession) -> RenderableType | None:
    if not demo.gaps:
        return None
    return Panel(
        Group(*(Text(f"• {g}") for g in demo.gaps)),
        title="not wired yet (shown honestly, not faked)",
        border_style="red",
    )
