"""`aiops member add|remove|list`: who may approve what (roles of Slack users).

aiops member add U123ABC --role operator --name "Ana"
aiops member remove U123ABC --role operator
aiops member list
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.config import get_settings
from bot.store.db import settings_database
from bot.teams import members

console = Console()
member_app = typer.Typer(help="Team members and their roles (who may approve remediations).")


@member_app.command("add")
def add(
    user: Annotated[str, typer.Argument(help="Slack user id, e.g. U012AB3CD")],
    role: Annotated[list[str], typer.Option("--role", help="role to grant (repeatable)")],
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    email: Annotated[str | None, typer.Option(help="email address")] = None,
) -> None:
    """Add a member, or grant roles to an existing one."""
    db = settings_database(get_settings())
    try:
        row = members.add_member(
            db, members.check_user(user), members.check_roles(role), name=name, email=email
        )
    finally:
        db.dispose()
    console.print(f"{row.slack_user_id}: roles {', '.join(row.roles)}")


@member_app.command("remove")
def remove(
    user: Annotated[str, typer.Argument(help="Slack user id")],
    role: Annotated[list[str] | None, typer.Option("--role", help="role to take away")] = None,
) -> None:
    """Take roles away, or remove the member entirely (no --role)."""
    db = settings_database(get_settings())
    try:
        row = members.remove_member(db, members.check_user(user), members.check_roles(role or []))
    finally:
        db.dispose()
    if row is None:
        console.print(f"{user} removed")
    else:
        console.print(f"{user}: roles {', '.join(row.roles) or '(none)'}")


@member_app.command("list")
def list_members() -> None:
    """Every member and their roles."""
    db = settings_database(get_settings())
    try:
        rows = members.list_members(db)
    finally:
        db.dispose()
    table = Table("user", "name", "roles")
    for m in rows:
        table.add_row(m.slack_user_id, m.name, ", ".join(m.roles))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(member_app, name="member")
