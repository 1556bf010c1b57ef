"""`aiops member add|remove|list`: who may approve what (roles of Slack users).

aiops member add U123ABC --role operator --name "Ana"
aiops member remove U123ABC --role operator
aiops member list
"""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import col, select

from bot.config import get_settings
from bot.errors import NotFound, UserError
from bot.store import Database, Member
from bot.store.db import settings_database

console = Console()
member_app = typer.Typer(help="Team members and their roles (who may approve remediations).")

_USER = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def _user(value: str) -> str:
    if not _USER.match(value):
        raise UserError(f"{value!r} is not a Slack user id (such as U012AB3CD)")
    return value


def _roles(values: list[str]) -> list[str]:
    bad = [r for r in values if not _ROLE.match(r)]
    if bad:
        raise UserError(f"not a role name: {', '.join(bad)} (lower-case letters, digits, - and _)")
    return values


def add_member(
    db: Database, user: str, roles: list[str], *, name: str | None = None, email: str | None = None
) -> Member:
    """Create the member or add roles to it (idempotent)."""
    with db.session() as s:
        row = s.exec(select(Member).where(Member.slack_user_id == user)).first()
        if row is None:
            row = Member(slack_user_id=user, name=name or "", email=email, roles=[])
            s.add(row)
        row.roles = sorted({*row.roles, *roles})
        if name is not None:
            row.name = name
        if email is not None:
            row.email = email
    return row


def remove_member(db: Database, user: str, roles: list[str]) -> Member | None:
    """Drop ``roles`` (all of the member when ``roles`` is empty); None when deleted."""
    with db.session() as s:
        row = s.exec(select(Member).where(Member.slack_user_id == user)).first()
        if row is None:
            raise NotFound(f"{user} is not a member")
        if not roles:
            s.delete(row)
            return None
        row.roles = [r for r in row.roles if r not in roles]
        return row


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
        row = add_member(db, _user(user), _roles(role), name=name, email=email)
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
        row = remove_member(db, _user(user), _roles(role or []))
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
        with db.session() as s:
            rows = list(s.exec(select(Member).order_by(col(Member.slack_user_id))))
    finally:
        db.dispose()
    table = Table("user", "name", "roles")
    for m in rows:
        table.add_row(m.slack_user_id, m.name, ", ".join(m.roles))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(member_app, name="member")
