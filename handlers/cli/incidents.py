"""``aiops incident list|show|timeline|ack|investigate|mitigate|resolve|comment|merge|split``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.clock import SystemClock
from bot.config import get_settings
from bot.incidents import commands
from bot.incidents.flows import IncidentFlows
from bot.store.db import settings_database
from bot.topology import Topology, load_topology_file

console = Console()
incident_app = typer.Typer(help="Incidents: list, show, timeline, lifecycle, merge and split.")
Actor = Annotated[str, typer.Option("--actor", help="who is acting (shown on the timeline)")]


def _flows() -> IncidentFlows:
    settings = get_settings()
    topo = (
        load_topology_file(settings.aiops_topology_file)
        if settings.aiops_topology_file
        else Topology()
    )
    return IncidentFlows(settings_database(settings), clock=SystemClock(), topology=topo)


@incident_app.command("list")
def list_cmd(
    all_: Annotated[bool, typer.Option("--all", help="include resolved incidents")] = False,
) -> None:
    """Open incidents, newest first."""
    rows = commands.listed(_flows().db, limit=200, include_resolved=all_)
    table = Table()
    for col in ("id", "status", "severity", "title", "services", "created"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r.id),
            r.status,
            r.severity,
            r.title,
            ", ".join(r.services),
            r.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@incident_app.command("show")
def show_cmd(incident_id: int) -> None:
    """One incident: status, root-cause alert, services, related changes, MTTA/MTTR."""
    v = _flows().view(incident_id)
    console.print(f"[bold]#{v.id} {v.title}[/bold]  {v.severity} · {v.status}")
    if v.root_alert:
        console.print(
            f"root-cause alert: #{v.root_alert.id} {v.root_alert.name} "
            f"({v.root_alert.service or '-'})"
        )
    if v.root_verdict:
        console.print(f"why: {v.root_verdict.text}", highlight=False)
    console.print(
        f"services: {', '.join(v.services) or '-'} · alerts: {v.alert_count} "
        f"({v.firing_count} firing)"
    )
    if v.mtta is not None:
        console.print(f"MTTA: {v.mtta} (by {v.acknowledged_by})")
    if v.mttr is not None:
        console.print(f"MTTR: {v.mttr} (by {v.resolved_by})")
    for c in v.changes:
        console.print(
            f"change {c.score:.2f}: {c.kind} {c.service or '-'} {c.version or ''} "
            f"({c.source}, {c.why})"
        )


@incident_app.command("timeline")
def timeline_cmd(incident_id: int) -> None:
    """Every transition, alert, change, notification and comment, oldest first."""
    lines = commands.timeline(_flows().db, incident_id)
    for line in lines:
        who = f" [{line.actor}]" if line.actor else ""
        console.print(f"{line.at:%Y-%m-%d %H:%M:%S} {line.kind:<12}{who} {line.text}")


def _done(verb: str, incident_id: int, status: str) -> None:
    console.print(f"incident #{incident_id} {verb}: now {status}")


@incident_app.command("ack")
def ack_cmd(incident_id: int, actor: Actor = "cli") -> None:
    _done("acknowledged", incident_id, _flows().acknowledge(incident_id, actor=actor).status)


@incident_app.command("investigate")
def investigate_cmd(incident_id: int, actor: Actor = "cli") -> None:
    _done("under investigation", incident_id, _flows().investigate(incident_id, actor=actor).status)


@incident_app.command("mitigate")
def mitigate_cmd(incident_id: int, actor: Actor = "cli") -> None:
    _done("mitigated", incident_id, _flows().mitigate(incident_id, actor=actor).status)


@incident_app.command("resolve")
def resolve_cmd(
    incident_id: int,
    actor: Actor = "cli",
    note: Annotated[str, typer.Option("--note", help="resolution note")] = "",
) -> None:
    _done("resolved", incident_id, _flows().resolve(incident_id, actor=actor, note=note).status)


@incident_app.command("comment")
def comment_cmd(incident_id: int, text: str, actor: Actor = "cli") -> None:
    _flows().comment(incident_id, actor=actor, text=text)
    console.print(f"comment added to incident #{incident_id}")


@incident_app.command("merge")
def merge_cmd(into_id: int, other_id: int, actor: Actor = "cli") -> None:
    """Move every alert of OTHER_ID into INTO_ID (OTHER_ID is closed)."""
    v = _flows().merge(into_id, other_id, actor=actor)
    console.print(f"incident #{other_id} merged into #{into_id} ({v.alert_count} alerts)")


@incident_app.command("split")
def split_cmd(incident_id: int, alert_ids: list[int], actor: Actor = "cli") -> None:
    """Move ALERT_IDS out of INCIDENT_ID into a new incident."""
    v = _flows().split(incident_id, alert_ids, actor=actor)
    console.print(f"alerts {alert_ids} split into new incident #{v.id}")


def register(app: typer.Typer) -> None:
    app.add_typer(incident_app, name="incident")
