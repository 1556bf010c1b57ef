"""One person's home: their teams' open incidents, the approvals they can give, who is on call
for their teams, and their teams' MTTA / MTTR this week. Plain data; Slack's App Home (and any
other door) renders it.

"My teams": the team of the person's ``Member`` row, else the default team (the incidents no
team owns). Approvals "I can give" follow the same rules as ``bot.remediate.service.approve``:
the role the policy asks for that risk, not yet approved by me, and not my own high-risk request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import col, select

from bot.errors import NotFound, UserError
from bot.escalate.flows import Paging
from bot.escalate.oncall import who_is_on_call
from bot.incidents.models import IncidentView
from bot.remediate import service as remediate_service
from bot.remediate.enums import Risk
from bot.remediate.policy import requirement
from bot.respond.approvals import Desk
from bot.store import Approval, Incident, Member, RemediationRequest, Team
from bot.teams.scope import TeamScope

DEFAULT_TEAM = "default"  # the incidents no team owns
MAX_INCIDENTS = 50


@dataclass(frozen=True)
class HomeTeam:
    name: str
    team_id: int | None  # None: the default team
    default: bool = False  # incidents with no team are this team's too

    def owns(self) -> ColumnElement[bool]:
        column = col(Incident.team_id)
        if self.team_id is None:
            return column.is_(None)
        return (
            (column == self.team_id) | column.is_(None) if self.default else column == self.team_id
        )


@dataclass(frozen=True)
class TeamWeek:
    team: str
    opened: int
    acknowledged: int
    resolved: int
    mtta: timedelta | None  # mean time to acknowledge, of the incidents acknowledged
    mttr: timedelta | None  # mean time to resolve, of the incidents resolved


@dataclass(frozen=True)
class OnCallNow:
    team: str
    policy: str
    who: list[str]


@dataclass(frozen=True)
class Home:
    user: str
    teams: list[HomeTeam]
    incidents: list[IncidentView]
    approvals: list[RemediationRequest]
    oncall: list[OnCallNow]
    weeks: list[TeamWeek]
    week_start: datetime
    warnings: list[str] = field(default_factory=list)


def teams_of(desk: Desk, user: str) -> list[HomeTeam]:
    """The person's teams (today one: their member row's team, else the default team)."""
    with desk.db.session() as s:
        member = s.exec(select(Member).where(Member.slack_user_id == user)).first()
        team = s.get(Team, member.team_id) if member and member.team_id is not None else None
    if team is None or team.id is None:
        return [HomeTeam(DEFAULT_TEAM, None)]
    return [HomeTeam(team.name, team.id)]


def week_start(now: datetime) -> datetime:
    """Monday 00:00 of ``now``'s week (in ``now``'s timezone)."""
    day = now - timedelta(days=now.weekday())
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def _mean(spans: Sequence[timedelta]) -> timedelta | None:
    return sum(spans, timedelta()) / len(spans) if spans else None


def team_week(desk: Desk, scope: HomeTeam, *, since: datetime) -> TeamWeek:
    with desk.db.session() as s:
        rows = list(s.exec(select(Incident).where(scope.owns(), Incident.created_at >= since)))
    acks = [r.acknowledged_at - r.created_at for r in rows if r.acknowledged_at]
    fixes = [r.resolved_at - r.created_at for r in rows if r.resolved_at]
    return TeamWeek(scope.name, len(rows), len(acks), len(fixes), _mean(acks), _mean(fixes))


def open_incidents(desk: Desk, teams: Sequence[HomeTeam]) -> list[IncidentView]:
    if desk.flows is None or not teams:
        return []
    owned = teams[0].owns()
    for scope in teams[1:]:
        owned = owned | scope.owns()
    with desk.db.session() as s:
        ids = list(
            s.exec(
                select(Incident.id)
                .where(Incident.status != "resolved", owned)
                .order_by(col(Incident.id).desc())
                .limit(MAX_INCIDENTS)
            )
        )
    return [desk.flows.view(i) for i in ids if i is not None]


def approvals_for(
    desk: Desk, user: str, roles: Sequence[str], teams: Sequence[HomeTeam]
) -> list[RemediationRequest]:
    """Pending requests this person can approve now, of their teams' incidents (or none)."""
    mine = {i.id for i in open_incidents(desk, teams)}
    with desk.db.session() as s:
        done = set(s.exec(select(Approval.request_id).where(Approval.user == user)))
    out = []
    for req in remediate_service.pending(desk.db):
        if req.id in done or (req.incident_id is not None and req.incident_id not in mine):
            continue
        risk = Risk(req.risk)
        need = requirement(desk.policy, action=req.action, risk=risk)
        if need.role and need.role not in roles:
            continue
        if risk == Risk.HIGH and req.requested_by == user:
            continue
        out.append(req)
    return out


def oncall_for(
    paging: Paging | None, teams: Sequence[HomeTeam], warnings: list[str]
) -> list[OnCallNow]:
    """Who is on call now for each team (nothing when paging is not configured)."""
    if paging is None:
        return []
    out = []
    for scope in teams:
        try:
            view = who_is_on_call(paging, team=scope.name if scope.team_id is not None else None)
        except (NotFound, UserError) as exc:
            warnings.append(f"{scope.name}: {exc}")
            continue
        out.append(OnCallNow(scope.name, view.policy, list(view.on_call_now)))
        warnings += view.warnings
    return out


def teams_in(scope: TeamScope) -> list[HomeTeam] | None:
    """The teams a team scope sees, as home teams; None when isolation is off."""
    if scope.everything:
        return None
    return [
        HomeTeam(scope.names.get(tid, str(tid)), tid, default=tid == scope.default_team_id)
        for tid in scope.roles
    ]


def home_for(
    desk: Desk,
    user: str,
    roles: Sequence[str],
    *,
    paging: Paging | None = None,
    scope: TeamScope | None = None,
) -> Home:
    """Everything on ``user``'s home, for their teams (``scope``'s, when teams are isolated)."""
    teams = (teams_in(scope) if scope is not None else None) or teams_of(desk, user)
    since = week_start(desk.clock.now())
    warnings: list[str] = []
    return Home(
        user=user,
        teams=teams,
        incidents=open_incidents(desk, teams),
        approvals=approvals_for(desk, user, roles, teams),
        oncall=oncall_for(paging, teams, warnings),
        weeks=[team_week(desk, t, since=since) for t in teams],
        week_start=since,
        warnings=warnings,
    )
