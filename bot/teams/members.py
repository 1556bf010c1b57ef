"""Members and their roles: the rows that say who may approve or reject what.

``aiops member add U123 --role operator`` writes them; Slack clicks and the CLI read them
through ``roles_of`` so the same person has the same rights at every door. A role may name its
team (``payments:operator``, written by ``/aiops team add`` too): ``bot.teams.directory``
reads those, beside ``teams.yaml``.
"""

from __future__ import annotations

import re

from sqlmodel import col, select

from bot.errors import NotFound, UserError
from bot.store import Database, Member
from bot.teams.config import Role

_USER = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_TEAM_ROLE = re.compile(r"^([a-z0-9][a-z0-9_-]{0,63}):([a-z]+)$")


def check_user(value: str) -> str:
    """A Slack user id (``U012AB3CD``), or :class:`UserError`."""
    if not _USER.match(value):
        raise UserError(f"{value!r} is not a Slack user id (such as U012AB3CD)")
    return value


def _role_ok(value: str) -> bool:
    if _ROLE.match(value):
        return True
    team_role = _TEAM_ROLE.match(value)
    return team_role is not None and team_role.group(2) in {r.value for r in Role}


def check_roles(values: list[str]) -> list[str]:
    bad = [r for r in values if not _role_ok(r)]
    if bad:
        roles = ", ".join(r.value for r in Role)
        raise UserError(
            f"not a role name: {', '.join(bad)} (lower-case letters, digits, - and _; "
            f"or TEAM:ROLE with ROLE one of {roles})"
        )
    return values


def get(db: Database, user: str) -> Member | None:
    with db.session() as s:
        return s.exec(select(Member).where(Member.slack_user_id == user)).first()


def roles_of(db: Database, user: str) -> list[str]:
    """The user's roles; none when the user is not a member."""
    found = get(db, user)
    return list(found.roles) if found is not None else []


def list_members(db: Database) -> list[Member]:
    with db.session() as s:
        return list(s.exec(select(Member).order_by(col(Member.slack_user_id))))


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
