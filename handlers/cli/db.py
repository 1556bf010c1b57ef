"""`aiops db …`: schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from bot.config import get_settings
from bot.store.db import settings_database
from bot.store.migrate import current_revision, head_revision, upgrade

console = Console()
db_app = typer.Typer(help="Database schema: upgrade to the newest migration, show the current one.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (safe to run repeatedly)."""
    settings = get_settings()
    db = settings_database(settings, require_current=False)
    before = current_revision(db.engine)
    upgrade(db.engine)
    after = current_revision(db.engine)
    where = settings.db_url.split("@")[-1] if "@" in settings.db_url else settings.db_url
    if before == after:
        console.print(f"database {where} already at {after}")
    else:
        console.print(f"database {where} upgraded {before or 'empty'} → {after}")
    db.dispose()


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the database and of this code."""
    db = settings_database(get_settings(), require_current=False)
    console.print(f"database: {current_revision(db.engine) or 'empty'}  code: {head_revision()}")
    db.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
