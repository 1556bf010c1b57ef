"""``TeamScope``: what one user may see and do, team by team, as one value.

Every read the doors make for a user goes through a scope: a single incident is looked up with
``visible`` (another team's incident is not found, exactly like one that does not exist), and a
list query gets ``incident_filter`` added (one SQL condition). Incidents without a team belong
to the default team. With isolation off (no ``teams.yaml``) the scope sees everything, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import col

from bot.store.models import Incident
from bot.teams.config import Role


@dataclass(frozen=True)
class TeamScope:
    user: str
    roles: Mapping[int, Role] = field(default_factory=dict)  # team id -> the user's role there
    names: Mapping[int, str] = field(default_factory=dict)  # team id -> team name
    default_team_id: int | None = None  # incidents with no team belong to it
    everything: bool = False  # isolation off: every team, role operator (as before teams)

    @classmethod
    def unrestricted(cls, user: str) -> TeamScope:
        return cls(user=user, everything=True)

    def team_of(self, team_id: int | None) -> int | None:
        return team_id if team_id is not None else self.default_team_id

    def role_in(self, team_id: int | None) -> Role | None:
        if self.everything:
            return Role.OPERATOR
        owner = self.team_of(team_id)
        return self.roles.get(owner) if owner is not None else None

    def sees(self, team_id: int | None) -> bool:
        return self.role_in(team_id) is not None

    def may(self, team_id: int | None, need: Role) -> bool:
        role = self.role_in(team_id)
        return role is not None and role.includes(need)

    def best_role(self) -> Role | None:
        """The user's highest role in any team (for actions that name no team)."""
        if self.everything:
            return Role.OPERATOR
        return max(self.roles.values(), key=lambda r: r.rank, default=None)

    def team_name(self, team_id: int | None) -> str:
        owner = self.team_of(team_id)
        return self.names.get(owner, "the default team") if owner is not None else "no team"

    def incident_filter(self, team_column: Any = None) -> ColumnElement[bool]:
        """The condition a query over incidents adds: only the teams this user sees."""
        column = col(Incident.team_id) if team_column is None else team_column
        if self.everything:
            return true()
        teams = sorted(self.roles)
        if not teams:
            return false()
        seen = column.in_(teams)
        if self.default_team_id in self.roles:
            return or_(seen, column.is_(None))
        return seen

    def describe(self) -> list[tuple[str, Role]]:
        """(team name, role) for ``whoami``, by team name."""
        return sorted(((self.names.get(t, str(t)), r) for t, r in self.roles.items()))
