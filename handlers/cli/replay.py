"""``aiops replay FILE [--json]``: replay a scenario's changes and alerts through the webhooks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

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
    ) -> None:
        """Replay a scenario in the sandbox and show the incidents it produced."""
        from handlers.cli.extras import require_sandbox
        from handlers.replay.runner import replay
        from sandbox.scenario import load_scenario

        if as_json or approve is not None:  # these start the world; a plain replay does not
            require_sandbox("replay")
        loaded = load_scenario(file)
        url = keep_db_url(db)
        routes = None
        if services is not None:
            from bot.teams.config import load_services

            routes = load_services(services)
        if approve is None and as_json:
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
        console.print(kept_db_note(db), highlight=False)
