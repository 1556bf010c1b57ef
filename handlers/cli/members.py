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
from bot.teams.config import load_teams
from bot.teams.directory import Directory

console = Console()
member_app = typer.Typer(
    help="Members, their approval roles and their teams (--role TEAM:ROLE puts them in a team)."
)


@member_app.command("add")
def add(
    user: Annotated[str, typer.Argument(help="Slack user id, e.g. U012AB3CD")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="role to grant (repeatable); TEAM:ROLE for a team role"),
    ],
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
    """Every member: approval roles, and teams with their role (teams.yaml and TEAM:ROLE rows).

    Slack user groups named in teams.yaml are listed as groups (their members are read from
    Slack by the running bot)."""
    settings = get_settings()
    teams = load_teams(settings.aiops_teams_file)
    db = settings_database(settings)
    try:
        rows = {m.slack_user_id: m for m in members.list_members(db)}
        directory = Directory(db, teams)
        users = sorted(
            {*rows, *(u for t in (teams.teams if teams else {}).values() for u in t.members)}
        )
        table = Table("user", "name", "roles", "teams")
        for user in users:
            row = rows.get(user)
            plain = directory.plain_roles(user)
            mine = directory.roles_by_name(user)
            in_teams = ", ".join(f"{t}: {r.value}" for t, r in sorted(mine.items()))
            table.add_row(user, row.name if row else "", ", ".join(plain), in_teams)
        for name, team in sorted((teams.teams if teams else {}).items()):
            for group, role in sorted(team.groups.items()):
                table.add_row(group, "(Slack user group)", "", f"{name}: {role.value}")
    finally:
        db.dispose()
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(member_app, name="member")
