"""Who is in which team, with which role: ``teams.yaml`` plus the ``Member`` rows that
``/aiops team add`` and ``aiops member add U1 --role payments:operator`` write.

A user's role in a team is the highest of: their own entry, the entries of the Slack user
groups they are in (looked up through ``GroupMembers``, a port the Slack door implements), and
the grants other teams' memberships give (``grants: {payments: viewer}`` on team platform gives
platform's members viewer on payments). Grants across teams exist only where a file or an
owner wrote them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from sqlmodel import select

from bot.errors import UpstreamUnavailable
from bot.store import Database, Member, Team
from bot.teams.config import Role, TeamsFile
from bot.teams.scope import TeamScope

log = logging.getLogger(__name__)

GroupMembers = Callable[[], Mapping[str, frozenset[str]]]  # user group id -> user ids
TEAM_ROLE_SEP = ":"


def team_role(entry: str) -> tuple[str, Role] | None:
    """``payments:operator`` → (payments, operator); None for a plain (policy) role."""
    team, sep, role = entry.partition(TEAM_ROLE_SEP)
    if not sep:
        return None
    try:
        return team, Role(role)
    except ValueError:
        return None


def _higher(a: Role | None, b: Role) -> Role:
    return b if a is None or b.includes(a) else a


class Directory:
    def __init__(
        self,
        db: Database,
        teams: TeamsFile | None,
        *,
        default_team: str | None = None,
        groups: GroupMembers | None = None,
    ) -> None:
        self.db = db
        self.teams = teams
        self.default_team = default_team
        self.groups = groups

    @property
    def isolated(self) -> bool:
        """True when teams.yaml is configured: users see only their teams."""
        return self.teams is not None

    def _group_members(self) -> Mapping[str, frozenset[str]]:
        if self.groups is None or self.teams is None:
            return {}
        if not any(t.groups for t in self.teams.teams.values()):
            return {}
        try:
            return self.groups()
        except UpstreamUnavailable as exc:  # members by name still work
            log.warning("could not read Slack user groups: %s", exc)
            return {}

    def roles_by_name(self, user: str) -> dict[str, Role]:
        """Team name → the user's role there (own entries, groups, then grants)."""
        own: dict[str, Role] = {}
        cfg = self.teams
        if cfg is not None:
            in_groups = self._group_members()
            for name, team in cfg.teams.items():
                if user in team.members:
                    own[name] = _higher(own.get(name), team.members[user])
                for group, role in team.groups.items():
                    if user in in_groups.get(group, frozenset()):
                        own[name] = _higher(own.get(name), role)
        with self.db.session() as s:
            row = s.exec(select(Member).where(Member.slack_user_id == user)).first()
        for entry in row.roles if row is not None else []:
            parsed = team_role(entry)
            if parsed is not None:
                own[parsed[0]] = _higher(own.get(parsed[0]), parsed[1])
        granted = dict(own)
        if cfg is not None:
            for name in own:
                grants = cfg.teams[name].grants if name in cfg.teams else {}
                for other, role in grants.items():
                    granted[other] = _higher(granted.get(other), role)
        return granted

    def members_of(self, team: str) -> list[tuple[str, Role]]:
        """(user or group, role) of a team: teams.yaml entries, then ``Member`` rows."""
        found: dict[str, Role] = {}
        spec = self.teams.teams.get(team) if self.teams is not None else None
        if spec is not None:
            found.update(spec.members)
            found.update({f"!subteam^{g}": r for g, r in spec.groups.items()})
        with self.db.session() as s:
            for row in s.exec(select(Member)):
                for entry in row.roles:
                    parsed = team_role(entry)
                    if parsed is not None and parsed[0] == team:
                        found[row.slack_user_id] = _higher(found.get(row.slack_user_id), parsed[1])
        return sorted(found.items(), key=lambda kv: (-kv[1].rank, kv[0]))

    def plain_roles(self, user: str) -> list[str]:
        """The user's roles that name no team (``aiops member add U1 --role operator``)."""
        with self.db.session() as s:
            row = s.exec(select(Member).where(Member.slack_user_id == user)).first()
        return [r for r in (row.roles if row else []) if team_role(r) is None]

    def scope(self, user: str) -> TeamScope:
        if not self.isolated:
            return TeamScope.unrestricted(user)
        by_name = self.roles_by_name(user)
        names = {*by_name, *([self.default_team] if self.default_team else [])}
        with self.db.session() as s:
            rows = list(s.exec(select(Team).where(Team.name.in_(sorted(names)))))  # type: ignore[attr-defined]
        ids = {t.name: t.id for t in rows if t.id is not None}
        return TeamScope(
            user=user,
            roles={ids[n]: r for n, r in by_name.items() if n in ids},
            names={i: n for n, i in ids.items()},
            default_team_id=ids.get(self.default_team) if self.default_team else None,
        )


def ensure_teams(db: Database, names: list[str]) -> None:
    """A ``Team`` row for every named team (idempotent), so roles resolve before any incident."""
    with db.session() as s:
        have = set(s.exec(select(Team.name)))
        for name in sorted(set(names) - have):
            s.add(Team(name=name))
