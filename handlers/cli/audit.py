"""`aiops audit …`: check the tamper-evident chain, export it as JSON lines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.config import get_settings
from bot.errors import UserError
from bot.remediate import audit
from bot.store.db import settings_database

console = Console()
audit_app = typer.Typer(help="The audit log: every approval, refusal and action, hash-chained.")


@audit_app.command("verify")
def verify() -> None:
    """Recompute every hash; exit 1 at the first entry that was changed or removed."""
    db = settings_database(get_settings())
    report = audit.verify_chain(db)
    db.dispose()
    if report.ok:
        console.print(f"[green]audit chain intact[/]: {report.entries} entries")
        return
    console.print(f"[red]audit chain broken[/] at entry {report.first_bad_id}: {report.reason}")
    raise typer.Exit(1)


@audit_app.command("export")
def export(
    since: Annotated[str | None, typer.Option(help="ISO date/time, e.g. 2025-03-01")] = None,
    out: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
) -> None:
    """Write the audit log as JSON lines."""
    start = None
    if since:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise UserError(f"--since {since!r} is not an ISO date (e.g. 2025-03-01)") from None
    db = settings_database(get_settings())
    lines = list(audit.export(db, start))
    db.dispose()
    if out:
        out.write_text("".join(line + "\n" for line in lines))
        console.print(f"wrote {len(lines)} entries to {out}")
    else:
        for line in lines:
            typer.echo(line)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
