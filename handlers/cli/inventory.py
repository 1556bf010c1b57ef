"""`aiops inventory TYPE [FILTERS…]` or `aiops inventory "which buckets are public"`."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console

from bot.accounts.service import configured_fleet
from bot.config import get_settings
from bot.errors import UserError
from bot.inventory.ask import read_words
from bot.inventory.llm import reader
from bot.inventory.render import Format, render, summary
from bot.inventory.service import InventorySources, run
from handlers.cli.live import live_context

console = Console()
FORMATS = ("table", "md", "csv", "json")


def inventory(
    words: Annotated[
        list[str] | None,
        typer.Argument(help='TYPE [key=value …], or a question: "which buckets are public"'),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, md, csv or json")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="write to this file")] = None,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="list this scenario's sandbox world")
    ] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", help="one account of AIOPS_ACCOUNTS_FILE (name or id), or all"),
    ] = None,
) -> None:
    """List resources of one type with filters (env=prod, state=stopped, tag:team=payments).

    A question the rules cannot map is read by Claude when ANTHROPIC_API_KEY is set.
    With AIOPS_ACCOUNTS_FILE, in every account and region it names."""
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: one of {', '.join(FORMATS)}")
    settings = get_settings()
    read = read_words(list(words or []), reader(settings))  # rules first; Claude with a key
    query = read.query
    if read.note():
        typer.echo(read.note(), err=True)
    fleet = configured_fleet(settings) if scenario is None else None
    if fleet is None and account not in (None, "all"):
        raise UserError("--account needs AIOPS_ACCOUNTS_FILE (the accounts to choose from)")
    with ExitStack() as stack:
        evidence = live_context(stack, scenario, "inventory").evidence
        fleet = fleet.only(account) if fleet is not None else None
        sources = InventorySources(evidence.aws_clients, evidence.k8s_api, fleet)
        result = run(query, sources)
    text = render(result, cast(Format, fmt))
    if out is not None:
        out.write_text(text + "\n")
        console.print(f"{summary(result)}: wrote {out}")
        return
    typer.echo(text)


def register(app: typer.Typer) -> None:
    app.command("inventory")(inventory)
