"""`aiops doctor`: what is configured, what works, and how to fix what does not."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from bot.config import load_settings
from bot.doctor import run_checks

console = Console()
_STYLE = {
    "ok": "[green]ok[/]",
    "warn": "[yellow]warn[/]",
    "fail": "[red]FAIL[/]",
    "skip": "[dim]skip[/]",
}


def doctor() -> None:
    """Check config, database and each configured integration; exit 1 if anything fails."""
    checks = run_checks(load_settings())
    table = Table(show_header=True, header_style="bold")
    for col in ("check", "status", "detail", "how to fix"):
        table.add_column(col)
    for c in checks:
        table.add_row(c.name, _STYLE[c.status], c.detail, c.fix)
    console.print(table)
    failed = [c for c in checks if c.status == "fail"]
    if failed:
        console.print(f"[red]{len(failed)} problem(s)[/]: " + ", ".join(c.name for c in failed))
        raise typer.Exit(1)
    console.print("[green]ready[/]")


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
