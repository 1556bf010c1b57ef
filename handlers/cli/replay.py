"""``aiops replay FILE [--json] [--auto-investigate [--auto-policy FILE]]``: replay a scenario's
changes and alerts through the webhooks; with ``--auto-investigate`` each incident investigates
itself as it opens, as a page would make it (``bot/respond/auto.py``), and the output shows what
that found and proposed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from handlers.cli.keep_db import keep_db_url, kept_db_note


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay_cmd(
        file: Annotated[Path, typer.Argument(help="scenario YAML file")],
        as_json: Annotated[bool, typer.Option("--json", help="print the evaluation JSON")] = False,
        approve: Annotated[
            str | None,
            typer.Option(
                "--approve",
                help="'first': approve and run each incident's first recommended action "
                "in the sandbox, verify it, and report it under 'remediation'",
            ),
        ] = None,
        db: Annotated[
            Path | None,
            typer.Option("--db", help="keep the run in this SQLite file (default: temporary)"),
        ] = None,
        services: Annotated[
            Path | None,
            typer.Option(
                "--services",
                help="route incidents with this services.yaml; each reports its team and channel",
            ),
        ] = None,
        auto_investigate: Annotated[
            bool,
            typer.Option(
                "--auto-investigate",
                help="investigate each incident automatically as it opens, as a page would "
                "(every severity, unless --auto-policy says otherwise)",
            ),
        ] = False,
        auto_policy: Annotated[
            Path | None,
            typer.Option(
                "--auto-policy", help="with --auto-investigate: this auto_investigate.yaml"
            ),
        ] = None,
    ) -> None:
        """Replay a scenario in the sandbox and show the incidents it produced."""
        from handlers.cli.extras import require_sandbox
        from handlers.replay.runner import replay
        from sandbox.scenario import load_scenario

        if auto_policy is not None and not auto_investigate:
            raise typer.BadParameter("--auto-policy goes with --auto-investigate")
        if auto_investigate and approve is not None:
            raise typer.BadParameter("--auto-investigate and --approve are separate replays")
        if as_json or approve is not None or auto_investigate:  # these start the world
            require_sandbox("replay")
        loaded = load_scenario(file)
        url = keep_db_url(db)
        routes = None
        if services is not None:
            from bot.teams.config import load_services

            routes = load_services(services)
        if auto_investigate:
            from bot.respond.auto_policy import load_auto_investigate, parse_auto_investigate
            from handlers.replay.runner import EVERY_INCIDENT, auto_replay

            policy = (
                load_auto_investigate(auto_policy)
                if auto_policy is not None
                else parse_auto_investigate(EVERY_INCIDENT)
            )
            result = auto_replay(
                loaded.scenario, policy, db_url=url, services=routes, investigate_each=as_json
            )
        elif approve is None and as_json:
            from sandbox.investigate.enricher import InvestigateEach

            with InvestigateEach(loaded.scenario) as investigate:
                result = replay(
                    loaded.scenario, db_url=url, enrichers=[investigate], services=routes
                )
        elif approve is None:
            result = replay(loaded.scenario, db_url=url, services=routes)
        else:
            from handlers.replay.runner import approve_first_replay

            result = approve_first_replay(loaded.scenario, approve, db_url=url)
        if as_json:
            typer.echo(json.dumps(result, indent=2))
            return
        table = Table(title=f"{result['scenario']}: {len(result['incidents'])} incident(s)")
        columns = ["id", "title", "alerts", "root alert"] + (["team", "channel"] if routes else [])
        for col in columns:
            table.add_column(col)
        for inc in result["incidents"]:
            alerts = ", ".join(inc["alerts"])
            where = [inc.get("team") or "", inc.get("channel") or ""] if routes else []
            table.add_row(inc["id"], inc["title"], alerts, inc["root_alert"] or "", *where)
        console = Console()
        console.print(table)
        for inc in result["incidents"]:
            if inc.get("root_why"):
                console.print(f"#{inc['id']} why: {inc['root_why']}", highlight=False)
            _print_auto(console, inc)
        console.print(kept_db_note(db), highlight=False)


def _print_auto(console: Console, incident: dict[str, Any]) -> None:
    """What the automatic investigation of one incident found and proposed."""
    if "auto_investigation" not in incident:
        return
    auto = incident["auto_investigation"]
    head = f"#{incident['id']} investigated automatically"
    if auto is None:
        console.print(f"{head}: no (its policy did not ask for it)", highlight=False)
        return
    if auto.get("failed"):
        console.print(f"{head}: failed ({auto['failed']})", highlight=False)
        return
    console.print(f"{head} (policy {auto['policy']}): {auto['top_line']}", highlight=False)
    for fact in auto["facts"][:5]:
        console.print(f"    fact: {fact}", highlight=False)
    for req in auto["requests"]:
        console.print(f"    proposed: {req['action']} ({req['state']})", highlight=False)
